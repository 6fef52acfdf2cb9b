"""Public checks for optimizers.py: each optimizer against torch.optim, step by step.

The grader makes the parameter arrays inside the student's process, builds the
student's optimizer on them, feeds it a fixed sequence of gradients and, after
every step, reads back the very arrays it handed over (so an update that rebinds
instead of updating in place shows). The expected trajectory comes from
torch.optim in float64; when a wrong trajectory is exactly what a common mistake
gives, the message says which.
"""

import functools

import numpy as np

from grader.compare import fmt, worst
from grader.registry import CheckFailed, check, load_rubric

TOL = load_rubric(__file__)["optimizers"]

# exercise id -> (student class, torch.optim class and fixed keyword arguments,
#                 the student's hyperparameters -> torch's)
OPTIMIZERS = {
    "week1.sgd": ("SGD", "SGD", {}, lambda hp: {}),
    "week1.momentum": ("Momentum", "SGD", {}, lambda hp: {"momentum": hp.get("momentum", 0.9)}),
    "week1.nesterov": ("Nesterov", "SGD", {"nesterov": True}, lambda hp: {"momentum": hp.get("momentum", 0.9)}),
    "week1.adagrad": ("AdaGrad", "Adagrad", {}, lambda hp: {"eps": hp.get("eps", 1e-10)}),
    "week1.rmsprop": ("RMSprop", "RMSprop", {}, lambda hp: {"alpha": hp.get("alpha", 0.99), "eps": hp.get("eps", 1e-8)}),
    "week1.adam": ("Adam", "Adam", {}, lambda hp: {"betas": tuple(hp.get("betas", (0.9, 0.999))), "eps": hp.get("eps", 1e-8)}),
}


def problem(shapes, steps, scales, seed):
    """Initial parameters and a gradient sequence: gradient element scales spread
    log-uniformly over `scales` (e.g. 1e-9 .. 1e2), signs and sizes varying per step."""
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=s) for s in shapes]
    lo, hi = np.log10(scales[0]), np.log10(scales[1])
    scale = [10.0 ** rng.uniform(lo, hi, size=s) for s in shapes]
    grads = [[sc * rng.normal(size=sc.shape) for sc in scale] for _ in range(steps)]
    return params, grads


@functools.lru_cache(maxsize=64)
def torch_trajectory(exercise, shapes, steps, scales, seed, lr, hp_items):
    """Parameters after each step of the torch.optim counterpart on `problem(...)`, float64
    (memoised: a batch of submissions computes each trajectory once)."""
    import torch

    params, grads = problem(shapes, steps, scales, seed)
    hp = dict(hp_items)
    _, torch_name, fixed, translate = OPTIMIZERS[exercise]
    tensors = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    opt = getattr(torch.optim, torch_name)(tensors, lr=lr, **fixed, **translate(hp))
    out = []
    for gs in grads:
        for t, g in zip(tensors, gs):
            t.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        out.append([t.detach().numpy().copy() for t in tensors])
    return out


def mistake_trajectories(exercise, params, grads, lr, hp):
    """What common mistakes give, as {description: trajectory}, in float64 NumPy."""
    m = hp.get("momentum", 0.9)
    alpha = hp.get("alpha", 0.99)
    b1, b2 = hp.get("betas", (0.9, 0.999))
    eps = hp.get("eps", {"week1.adagrad": 1e-10}.get(exercise, 1e-8))

    def run(update):
        ps = [p.copy() for p in params]
        state = [dict(a=np.zeros_like(p), b=np.zeros_like(p)) for p in params]
        out = []
        for t, gs in enumerate(grads, start=1):
            for p, g, s in zip(ps, gs, state):
                p -= update(g, s, t)
            out.append([p.copy() for p in ps])
        return out

    def momentum_no_lr(g, s, t):
        s["a"] = m * s["a"] + g
        return s["a"]

    def nesterov_as_momentum(g, s, t):
        s["a"] = m * s["a"] + g
        return lr * s["a"]

    def adagrad_eps_inside(g, s, t):
        s["a"] += g * g
        return lr * g / np.sqrt(s["a"] + eps)

    def rmsprop_eps_inside(g, s, t):
        s["a"] = alpha * s["a"] + (1 - alpha) * g * g
        return lr * g / np.sqrt(s["a"] + eps)

    def adam(correct=True, eps_inside=False):
        def update(g, s, t):
            s["a"] = b1 * s["a"] + (1 - b1) * g
            s["b"] = b2 * s["b"] + (1 - b2) * g * g
            mh, vh = (s["a"] / (1 - b1**t), s["b"] / (1 - b2**t)) if correct else (s["a"], s["b"])
            return lr * mh / (np.sqrt(vh + eps) if eps_inside else np.sqrt(vh) + eps)
        return update

    zoo = {
        "week1.sgd": {"adding the gradient instead of subtracting it": lambda g, s, t: -lr * g},
        "week1.momentum": {"leaving the learning rate out of the velocity (h ← momentum·h + g; w ← w − h)": momentum_no_lr},
        "week1.nesterov": {"plain momentum without Nesterov's look-ahead term (w ← w − lr·v)": nesterov_as_momentum},
        "week1.adagrad": {"putting eps inside the square root (√(G + eps) instead of √G + eps)": adagrad_eps_inside},
        "week1.rmsprop": {"putting eps inside the square root (√(G + eps) instead of √G + eps)": rmsprop_eps_inside},
        "week1.adam": {
            "Adam without bias correction (m and v used instead of m̂ and v̂)": adam(correct=False),
            "putting eps inside the square root (√(v̂ + eps) instead of √v̂ + eps)": adam(eps_inside=True),
        },
    }
    return {label: run(update) for label, update in zoo[exercise].items()}


FLOAT32_UNIT = 2.0**-24  # float32 rounds a value w to within 2⁻²⁴·|w| (half a unit in the last place)


def allowances(params0, trajectory, atol_path, atol_float32):
    """For each step t and parameter, the absolute error each element may carry:
    atol_path·Σ_{s≤t}|w_s − w_{s−1}| (how far the element has travelled: the scale of the
    rounding an update accumulates) + atol_float32·2⁻²⁴·Σ_{0≤s≤t}|w_s| (a parameter kept in
    float32 is rounded to float32 at the start and after every step)."""
    out, prev = [], params0
    path = [np.zeros_like(p) for p in params0]
    size = [np.abs(p) for p in params0]
    for ws in trajectory:
        path = [acc + np.abs(w - q) for acc, w, q in zip(path, ws, prev)]
        size = [acc + np.abs(w) for acc, w in zip(size, ws)]
        out.append([atol_path * pl + atol_float32 * FLOAT32_UNIT * sz for pl, sz in zip(path, size)])
        prev = ws
    return out


def _ratios(got, want, params0, atol, rtol):
    """(ratio, index) per parameter: displacement error over atol + rtol·|expected displacement|."""
    return [worst(g - p0, w - p0, rtol, a + 1e-300) if g.shape == w.shape else (np.inf, ())
            for g, w, p0, a in zip(got, want, params0, atol)]


def _matches(got, want, params0, atol, rtol):
    return all(r <= 1.0 for r, _ in _ratios(got, want, params0, atol, rtol))


def follow_trajectory(sub, exercise, shapes, steps, scales, seed, lr, hp):
    """Drive the student's optimizer and compare it with torch.optim after every step.

    Parameters are compared by their displacement from the start (``w_t − w_0``),
    element by element: |got − expected| ≤ rtol·|expected| + `allowances` (the distance
    the element has travelled, and the float32 rounding of its values so far), so
    elements with tiny gradients are judged as strictly as float32 allows, and the
    rounding that a correct float32 implementation accumulates over the steps (its
    updates, its state, its parameters themselves) is allowed for.
    """
    class_name = OPTIMIZERS[exercise][0]
    params, grads = problem(shapes, steps, scales, seed)
    rtol = TOL["rtol"]

    handles = [sub.store(p) for p in params]
    opt = sub.call(f"optimizers.{class_name}", handles, lr, _keep=True, **hp)
    opt.step(grads[0])  # the student's code runs first: a stub stops here, before any oracle work
    expected = torch_trajectory(exercise, tuple(shapes), steps, tuple(scales), seed, lr, tuple(sorted(hp.items())))
    atol = allowances(params, expected, TOL["atol_path"], TOL["atol_float32"])
    for t, gs in enumerate(grads, start=1):
        if t > 1:
            opt.step(gs)
        got = [np.asarray(h.fetch(), dtype=np.float64) for h in handles]
        if _matches(got, expected[t - 1], params, atol[t - 1], rtol):
            continue
        message = _first_difference(got, expected[t - 1], params, atol[t - 1], t, rtol)
        if t == 1 and all(np.array_equal(g, p) for g, p in zip(got, params)):
            message += (" The arrays passed to the constructor did not change: update them in place "
                        "(p -= …, or p[...] = …) instead of binding a new array (p = p - …).")
        else:
            zoo = mistake_trajectories(exercise, params, grads, lr, hp)
            for key in hp:  # a keyword argument that is accepted but not used
                others = tuple(sorted((k, v) for k, v in hp.items() if k != key))
                zoo[f"ignoring the {key} argument (using its default)"] = torch_trajectory(
                    exercise, tuple(shapes), steps, tuple(scales), seed, lr, others)
            if len(hp) > 1:
                zoo["ignoring the hyperparameters passed to the constructor (the defaults)"] = torch_trajectory(
                    exercise, tuple(shapes), steps, tuple(scales), seed, lr, ())
            mistake = next((label for label, traj in zoo.items()
                            if _matches(got, traj[t - 1], params, atol[t - 1], rtol)), None)
            raise CheckFailed(message, mistake=mistake)
        raise CheckFailed(message)


def _first_difference(got, want, params0, atol, t, rtol):
    for i, ((ratio, idx), g, w, p0) in enumerate(zip(_ratios(got, want, params0, atol, rtol), got, want, params0)):
        if g.shape != w.shape:
            return f"after step {t}, parameter {i} has shape {g.shape}, expected {w.shape}"
        if ratio > 1.0:
            d_got, d_want = g[idx] - p0[idx], w[idx] - p0[idx]
            return (f"after step {t}, parameter {i} (shape {w.shape}), index {idx}: the element moved by {fmt(d_got)} "
                    f"from its start {fmt(p0[idx])}, expected {fmt(d_want)} (got {fmt(g[idx])}, expected {fmt(w[idx])}).")
    return f"after step {t}: the parameters differ from the expected ones."


def _public_check(exercise, torch_name):
    @check(exercise, points=1, name=f"matches torch.optim.{torch_name} over 10 steps")
    def matches_torch(sub, ref):
        """Check that the optimizer follows torch.optim over 10 steps on two parameters."""
        follow_trajectory(sub, exercise, [(3,), (2, 4)], steps=10, scales=(1e-8, 10.0), seed=1, lr=0.05, hp={})

    matches_torch.__name__ = f"{exercise.split('.')[1]}_matches_torch"
    return matches_torch


for _exercise, (_, _torch_name, _fixed, _) in OPTIMIZERS.items():
    _label = _torch_name + ("(nesterov=True)" if _fixed else "(momentum=0.9)" if _exercise == "week1.momentum" else "")
    globals()[f"{_exercise.split('.')[1]}_matches_torch"] = _public_check(_exercise, _label)
