"""Public checks for rnn.py: one step of a vanilla RNN and the RNN through time against PyTorch's
torch.nn.RNNCell and torch.nn.RNN (float64, the same weights: weight_ih = Wxᵀ, weight_hh = Whᵀ,
bias_ih + bias_hh = b), their backward passes against the grader's own numerical differentiation
of those modules, and gradient clipping against torch.nn.utils.clip_grad_norm_.

As in weeks 3 and 4, a forward pass returns ``(h, cache)``; the cache is the student's own business
and comes back unchanged to the backward pass, which is judged as a vector–Jacobian product: for a
random upstream gradient v, the backward must return Jᵀv for every input. Through time, v comes
in two patterns: a gradient on every hidden state, and one on the last hidden state only (zeros
elsewhere), where everything that reaches the earlier steps has come back through h_{t−1}. The
sequences are long enough (six steps and more) and the recurrent weights large enough that a
gradient that does not flow back through time, or weights' gradients that are not summed over the
steps, are off by far more than the tolerance; some pre-activations reach |a| ≈ 3, where tanh
saturates, and the hidden checks go further.
"""

import functools

import numpy as np
import torch
from torch import nn

from grader import backward as backward_pass
from grader.backward import Backward, cache_from_forward, unpack
from grader.compare import as_array, as_float, assert_close
from grader.oracles import assert_close_scaled, t64
from grader.registry import CheckFailed, check, load_rubric

RUBRIC = load_rubric(__file__)
TOL = RUBRIC["recurrent"]
GRAD_TOL = RUBRIC["recurrent_gradients"]
CLIP_TOL = RUBRIC["clip"]

# An element fails when |got − expected| > atol·max(1, max|expected|) + rtol·|expected|.
assert_values = assert_close_scaled


def assert_backward(f, x, backward, **kwargs):
    """`grader.backward.assert_backward` with this week's recurrent gradient tolerances."""
    backward_pass.assert_backward(f, x, backward, rtol=GRAD_TOL["rtol"], atol=GRAD_TOL["atol"], **kwargs)


@functools.lru_cache(maxsize=None)
def torch_module(kind: str, D: int, H: int) -> nn.Module:
    """A float64 torch.nn.RNNCell, RNN, LSTMCell or LSTM (batch_first) for inputs of width D and
    H hidden units; its own weights are never used (`call_module` passes the grader's)."""
    cls = {"RNNCell": nn.RNNCell, "RNN": nn.RNN, "LSTMCell": nn.LSTMCell, "LSTM": nn.LSTM}[kind]
    options = {"batch_first": True} if kind in ("RNN", "LSTM") else {}
    return cls(D, H, dtype=torch.float64, **options)


def _parameters(kind: str, Wx, Wh, b) -> dict:
    """The parameters of torch's `kind` by name: weight_ih = Wxᵀ, weight_hh = Whᵀ, bias_ih = b, bias_hh = 0."""
    suffix = "_l0" if kind in ("RNN", "LSTM") else ""
    return {f"weight_ih{suffix}": Wx.T, f"weight_hh{suffix}": Wh.T, f"bias_ih{suffix}": b,
            f"bias_hh{suffix}": torch.zeros_like(b)}


def _module_for(kind: str, Wx) -> nn.Module:
    D, width = tuple(Wx.shape)
    return torch_module(kind, D, width // 4 if kind.startswith("LSTM") else width)


def call_module(kind: str, Wx, Wh, b, *args):
    """torch's `kind` with the weights `_parameters` names (tensors; autograd flows through them),
    called on `args`."""
    return torch.func.functional_call(_module_for(kind, Wx), _parameters(kind, Wx, Wh, b), args)


def module_with(kind: str, Wx, Wh, b) -> nn.Module:
    """torch's `kind` holding the weights `_parameters` names (arrays), copied into its own
    parameters: ten times faster to call than `call_module` for torch.nn.RNN and LSTM, whose
    weights functional_call re-flattens at every call. For the numerical differentiation, which
    calls the modules thousands of times."""
    module = _module_for(kind, np.asarray(Wx))
    with torch.no_grad():
        for name, value in _parameters(kind, t64(Wx), t64(Wh), t64(b)).items():
            getattr(module, name).copy_(value)
    return module


def rnn_step_t(x, h_prev, Wx, Wh, b):
    """torch.nn.RNNCell (tanh) on tensors: h = tanh(x·Wx + h_prev·Wh + b)."""
    return call_module("RNNCell", Wx, Wh, b, x, h_prev)


def rnn_t(x, h0, Wx, Wh, b):
    """A one-layer torch.nn.RNN(tanh, batch_first=True) on tensors: every hidden state (N, T, H)."""
    return call_module("RNN", Wx, Wh, b, x, h0[None])[0]


@torch.no_grad()
def torch_rnn_step(x, h_prev, Wx, Wh, b):
    """torch.nn.RNNCell's h (N, H) in float64."""
    return module_with("RNNCell", Wx, Wh, b)(t64(x), t64(h_prev)).numpy()


@torch.no_grad()
def torch_rnn(x, h0, Wx, Wh, b):
    """A one-layer torch.nn.RNN(tanh, batch_first=True)'s every hidden state (N, T, H) in float64."""
    return module_with("RNN", Wx, Wh, b)(t64(x), t64(h0)[None])[0].numpy()


# --- problems -----------------------------------------------------------------------------


def rnn_problem(N, T, D, H, seed, scale=1.0):
    """x (N, T, D), h0 (N, H), Wx (D, H), Wh (H, H), b (H,): inputs and h0 standard normal, Wx
    and Wh normal with standard deviation scale/√D and scale/√H, b with 0.5·scale. At scale 1
    the pre-activations have a standard deviation of about 1.4 (|a| up to about 3, where
    tanh′ < 0.01, over a few dozen entries), and the gradient that comes back through Wh over a
    step is of the order of the one that enters it: dropping it is off by O(1)."""
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(D, H)) * scale / np.sqrt(D),
            rng.normal(size=(H, H)) * scale / np.sqrt(H), rng.normal(size=H) * 0.5 * scale)


def rnn_step_problem(N, D, H, seed, scale=1.0):
    """x (N, D), h_prev (N, H) with entries in (−1, 1) like a hidden state, Wx, Wh, b as `rnn_problem`."""
    x, h0, Wx, Wh, b = rnn_problem(N, 1, D, H, seed, scale)
    return x[:, 0], np.tanh(h0), Wx, Wh, b


def last_step_only(v, T):
    """An upstream gradient (N, T, H) that is `v` (N, H) on the last step and zero elsewhere."""
    v = np.asarray(v, dtype=np.float64)
    dh = np.zeros((v.shape[0], T, v.shape[1]))
    dh[:, -1] = v
    return dh


# --- the known mistakes, by the grader's own float64 backpropagation through time ---------


def rnn_bptt(x, h0, Wx, Wh, b, dh, *, tanh_derivative=True, recurrent=True, keep=None, tanh_twice=False):
    """(dx, dh0, dWx, dWh, db) of h = rnn(x, h0, Wx, Wh, b) (x (N, T, D), dh (N, T, H)) by
    backpropagation through time in float64, with the known mistakes as switches: the tanh
    derivative left out or taken as 1 − tanh(h)²; the gradient from step t + 1 (dh_next) not
    added to dh[:, t] (`recurrent` False); the weights' gradients of one step kept instead of the
    sum (`keep`: "first" for t = 0, the last step a backward loop visits, "last" for t = T − 1)."""
    T = x.shape[1]
    steps, h = [], h0
    for t in range(T):
        h_prev, h = h, np.tanh(x[:, t] @ Wx + h @ Wh + b)
        steps.append((h_prev, h))
    dx = np.zeros_like(x)
    sums = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
    kept = None
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        h_prev, h = steps[t]
        g = dh[:, t] + (dh_next if recurrent else 0.0)
        derivative = 1.0 - np.tanh(h) ** 2 if tanh_twice else 1.0 - h**2
        da = g * derivative if tanh_derivative else g
        dx[:, t], dh_next = da @ Wx.T, da @ Wh.T
        step = (x[:, t].T @ da, h_prev.T @ da, da.sum(axis=0))
        sums = [s + d for s, d in zip(sums, step)]
        if (keep == "first" and t == 0) or (keep == "last" and t == T - 1):
            kept = step
    dWx, dWh, db = kept if keep else sums
    return dx, dh_next, dWx, dWh, db


TANH_DERIVATIVE = "forgetting the tanh derivative (da = dh instead of dh·(1 − h²))"
TANH_TWICE = "the tanh derivative taken as 1 − tanh(h)² (h is already tanh(a): it is 1 − h²)"


def rnn_step_backward_mistakes(x, h_prev, Wx, Wh, b):
    """For upstream gradient v (N, H): the gradients common mistakes give, by output
    (0: dx, 1: dh_prev, 2: dWx, 3: dWh, 4: db)."""

    def grads(v, **bug):
        out = rnn_bptt(x[:, None], h_prev, Wx, Wh, b, np.asarray(v, dtype=np.float64)[:, None], **bug)
        return (out[0][:, 0],) + out[1:]

    def mistakes(v, which):
        right = grads(v)
        out = {TANH_DERIVATIVE: grads(v, tanh_derivative=False)[which],
               TANH_TWICE: grads(v, tanh_twice=True)[which]}
        if which == 1:
            da_full = np.asarray(v, dtype=np.float64) * (1.0 - np.tanh(x @ Wx + h_prev @ Wh + b) ** 2)
            out["dh_prev computed with Wh instead of Whᵀ (dh_prev = da·Whᵀ)"] = da_full @ Wh
        if which == 3:
            out["dWh transposed (daᵀ·h_prev instead of h_prevᵀ·da)"] = right[3].T
        if which == 4:
            out["db averaged over the batch instead of summed (db = Σ_n da[n])"] = right[4] / x.shape[0]
        return out

    return mistakes


def rnn_backward_mistakes(x, h0, Wx, Wh, b, embed=lambda v: v):
    """For upstream gradient v (made into dh (N, T, H) by `embed`): the gradients common
    mistakes give, by output (0: dx, 1: dh0, 2: dWx, 3: dWh, 4: db)."""

    def mistakes(v, which):
        dh = embed(np.asarray(v, dtype=np.float64))
        out = {
            "dropping the recurrent gradient (dh_next, what flows back from step t + 1 through Wh, not added to "
            "dh[:, t]: backpropagation through one step only)": rnn_bptt(x, h0, Wx, Wh, b, dh, recurrent=False)[which],
            TANH_DERIVATIVE: rnn_bptt(x, h0, Wx, Wh, b, dh, tanh_derivative=False)[which],
        }
        if which >= 2:
            out["not summing dWx, dWh and db over the time steps (only the step t = 0, the last one the backward "
                "loop visits, is kept)"] = rnn_bptt(x, h0, Wx, Wh, b, dh, keep="first")[which]
            out["not summing dWx, dWh and db over the time steps (only the last step, t = T − 1, is kept)"] = \
                rnn_bptt(x, h0, Wx, Wh, b, dh, keep="last")[which]
        if which == 1:
            out["returning dh0 = 0 (h0 feeds the first step: dh0 is what flows back from it)"] = np.zeros_like(h0)
        return out

    return mistakes


def weight_shape_hints(N, H, which, db_index):
    """A wrong shape db typically has, with what it means."""
    if which == db_index:
        return {(N, H): "That is one bias gradient per example: db sums them over the batch (Σ_n da[n])."}
    return {}


# --- forward passes ---------------------------------------------------------------------------


def rnn_step_forward_mistakes(x, h_prev, Wx, Wh, b):
    a = x @ Wx + h_prev @ Wh + b
    return {
        "leaving out the bias": np.tanh(a - b),
        "h_prev·Whᵀ instead of h_prev·Wh (Wh transposed)": np.tanh(x @ Wx + h_prev @ Wh.T + b),
        "leaving out the tanh (h = x·Wx + h_prev·Wh + b)": a,
        "leaving out h_prev·Wh (the recurrence)": np.tanh(x @ Wx + b),
    }


def assert_rnn_step_forward(sub, x, h_prev, Wx, Wh, b):
    """The student's rnn_step_forward against torch.nn.RNNCell; returns the cache."""
    what = (f"rnn_step_forward(x, h_prev, Wx, Wh, b) for x of shape {x.shape}, h_prev of shape {h_prev.shape} and "
            f"Wx of shape {Wx.shape}")
    h, cache = unpack(sub.rnn.rnn_step_forward(x, h_prev, Wx, Wh, b), what, ("h", "cache"))
    expected = torch_rnn_step(x, h_prev, Wx, Wh, b)
    got = as_array(h, f"the h of {what}")
    if got.shape != expected.shape:
        raise CheckFailed(f"the h of {what} has shape {got.shape}, expected (N, H) = {expected.shape}.")
    as64 = [np.asarray(a, dtype=np.float64) for a in (x, h_prev, Wx, Wh, b)]
    assert_values(got, expected, f"the h of {what}", rtol=TOL["rtol"], atol=TOL["atol"],
                  mistakes=rnn_step_forward_mistakes(*as64),
                  hint="Expected h = tanh(x·Wx + h_prev·Wh + b), as torch.nn.RNNCell with weight_ih = Wxᵀ, "
                       "weight_hh = Whᵀ and bias_ih + bias_hh = b.")
    return cache


def rnn_forward_mistakes(x, h0, Wx, Wh, b):
    T = x.shape[1]

    def unrolled(step):
        h, hs = h0, []
        for t in range(T):
            h = step(x[:, t], h)
            hs.append(h)
        return np.stack(hs, axis=1)

    return {
        "starting every step from h0 instead of the previous hidden state h_{t−1}":
            np.stack([np.tanh(x[:, t] @ Wx + h0 @ Wh + b) for t in range(T)], axis=1),
        "leaving out h_{t−1}·Wh (the recurrence)": np.tanh(x @ Wx + b),
        "h_{t−1}·Whᵀ instead of h_{t−1}·Wh (Wh transposed)": unrolled(lambda xt, h: np.tanh(xt @ Wx + h @ Wh.T + b)),
        "leaving out the bias": unrolled(lambda xt, h: np.tanh(xt @ Wx + h @ Wh)),
        "leaving out the tanh": unrolled(lambda xt, h: xt @ Wx + h @ Wh + b),
    }


def rnn_shape_message(got, N, T, H):
    msg = f"has shape {got}, expected (N, T, H) = {(N, T, H)}: every hidden state, h[:, t] being h_t"
    if got == (T, N, H):
        msg += "; yours is (T, N, H), time first: stack the steps along axis 1"
    elif got == (N, H):
        msg += "; yours is one hidden state (the last?): return them all"
    elif got == (N, T + 1, H):
        msg += "; yours has one more step: leave h0 out"
    return msg + "."


def assert_rnn_forward(sub, x, h0, Wx, Wh, b):
    """The student's rnn_forward against a one-layer torch.nn.RNN; returns the cache."""
    N, T, _ = np.shape(x)
    H = np.shape(h0)[1]
    what = f"rnn_forward(x, h0, Wx, Wh, b) for x of shape {np.shape(x)} and h0 of shape {np.shape(h0)}"
    h, cache = unpack(sub.rnn.rnn_forward(x, h0, Wx, Wh, b), what, ("h", "cache"))
    expected = torch_rnn(x, h0, Wx, Wh, b)
    got = as_array(h, f"the h of {what}")
    if got.shape != expected.shape:
        raise CheckFailed(f"the h of {what} {rnn_shape_message(got.shape, N, T, H)}")
    as64 = [np.asarray(a, dtype=np.float64) for a in (x, h0, Wx, Wh, b)]
    assert_values(got, expected, f"the h of {what}", rtol=TOL["rtol"], atol=TOL["atol"],
                  mistakes=rnn_forward_mistakes(*as64),
                  hint="Expected h_t = tanh(x_t·Wx + h_{t−1}·Wh + b) from h0, h[:, t] = h_t, as torch.nn.RNN "
                       "(batch_first=True).")
    return cache


# --- backward passes -----------------------------------------------------------------------


def rnn_step_cache(sub, x, h_prev, Wx, Wh, b):
    """The cache of the student's rnn_step_forward, for judging rnn_step_backward."""
    return cache_from_forward(lambda: sub.rnn.rnn_step_forward(x, h_prev, Wx, Wh, b),
                              lambda: sub.rnn.rnn_step_backward(np.zeros((1, 1)), None),
                              "rnn_step_backward", "rnn_step_forward", "week5.rnn_step")


def check_rnn_step_backward(sub, x, h_prev, Wx, Wh, b, full=True):
    """The student's rnn_step_backward against the grader's numerical differentiation of
    torch.nn.RNNCell, for x, h_prev, Wx, Wh and b in turn (the cache comes from the student's
    rnn_step_forward)."""
    N, D = x.shape
    H = h_prev.shape[1]
    setting = f"x of shape {x.shape}, h_prev of shape {h_prev.shape}"
    what = f"rnn_step_backward(dh, cache) ({setting})"
    cache = rnn_step_cache(sub, x, h_prev, Wx, Wh, b)
    mistakes = rnn_step_backward_mistakes(x, h_prev, Wx, Wh, b)
    args = (x, h_prev, Wx, Wh, b)
    names = ("dx", "dh_prev", "dWx", "dWh", "db")
    for which, arg in enumerate(("x", "h_prev", "Wx", "Wh", "b")):
        def f(value, which=which):
            return torch_rnn_step(*(value if k == which else a for k, a in enumerate(args)))

        backward = Backward(lambda v: sub.rnn.rnn_step_backward(v, cache), what, names, which)
        assert_backward(f, args[which], backward, name=f"rnn_step ({setting})", arg=arg, full=full,
                        mistakes=lambda v, which=which: mistakes(v, which),
                        shape_hints=weight_shape_hints(N, H, which, 4),
                        hint="With a = x·Wx + h_prev·Wh + b: da = dh·(1 − h²), dx = da·Wxᵀ, dh_prev = da·Whᵀ, "
                             "dWx = xᵀ·da, dWh = h_prevᵀ·da, db = Σ_n da.")


def rnn_cache(sub, x, h0, Wx, Wh, b):
    """The cache of the student's rnn_forward, for judging rnn_backward."""
    return cache_from_forward(lambda: sub.rnn.rnn_forward(x, h0, Wx, Wh, b),
                              lambda: sub.rnn.rnn_backward(np.zeros((1, 1, 1)), None),
                              "rnn_backward", "rnn_forward", "week5.rnn")


def check_through_time(sub, layer, oracle, cache, mistakes_of, width, hint, x, h0, Wx, Wh, b, last_only=False,
                       full=True):
    """The student's ``<layer>_backward`` ("rnn" or "lstm") against the grader's numerical
    differentiation of `oracle` (torch's layer over every step), for x, h0, Wx, Wh and b in turn, with
    an upstream gradient on every hidden state or (last_only) on the last one only; `cache` comes from
    the student's forward, `mistakes_of(x, h0, Wx, Wh, b, embed)` names the known bugs, and the
    weights have `width` (H or 4H) columns."""
    N, T, D = x.shape
    H = h0.shape[1]
    upstream = "on the last hidden state only (zeros elsewhere)" if last_only else "on every hidden state"
    setting = f"T = {T} steps, x of shape {x.shape}, h0 of shape {h0.shape}, dh {upstream}"
    what = f"{layer}_backward(dh, cache) ({setting})"
    embed = (lambda v: last_step_only(v, T)) if last_only else (lambda v: v)
    mistakes = mistakes_of(x, h0, Wx, Wh, b, embed)
    backward_fn = getattr(getattr(sub, layer), f"{layer}_backward")
    args = (x, h0, Wx, Wh, b)
    names = ("dx", "dh0", "dWx", "dWh", "db")
    for which, arg in enumerate(("x", "h0", "Wx", "Wh", "b")):
        def f(value, which=which):
            h = oracle(*(value if k == which else a for k, a in enumerate(args)))
            return h[:, -1] if last_only else h

        backward = Backward(lambda v: backward_fn(embed(v), cache), what, names, which)
        assert_backward(f, args[which], backward, name=f"{layer} ({setting})", arg=arg, full=full,
                        mistakes=lambda v, which=which: mistakes(v, which),
                        shape_hints=weight_shape_hints(N, width(H), which, 4), hint=hint)


def check_rnn_backward(sub, x, h0, Wx, Wh, b, last_only=False, full=True):
    """The student's rnn_backward against numerical differentiation of torch.nn.RNN (`check_through_time`;
    the cache comes from the student's rnn_forward)."""
    check_through_time(sub, "rnn", torch_rnn, rnn_cache(sub, x, h0, Wx, Wh, b), rnn_backward_mistakes, lambda H: H,
                       "Going back from t = T − 1 to 0, the gradient reaching h_t is dh[:, t] plus what flows back "
                       "from step t + 1 (da_{t+1}·Whᵀ); dWx, dWh and db are summed over the steps.",
                       x, h0, Wx, Wh, b, last_only=last_only, full=full)


# --- week5.rnn_step -----------------------------------------------------------------------


@check("week5.rnn_step", points=1)
def rnn_step_forward_matches_torch(sub, ref):
    """Check that rnn_step_forward matches torch.nn.RNNCell (tanh) with weight_ih = Wxᵀ, weight_hh = Whᵀ and bias_ih + bias_hh = b."""
    for k, (N, D, H) in enumerate(((3, 4, 5), (1, 2, 3), (4, 6, 6))):
        assert_rnn_step_forward(sub, *rnn_step_problem(N, D, H, seed=10 + k))


@check("week5.rnn_step", points=2)
def rnn_step_backward_numerical(sub, ref):
    """Check that rnn_step_backward gives dx, dh_prev, dWx, dWh and db matching numerical differentiation of torch.nn.RNNCell."""
    check_rnn_step_backward(sub, *rnn_step_problem(3, 4, 5, seed=20, scale=1.5))


# --- week5.rnn -----------------------------------------------------------------------------


@check("week5.rnn", points=1)
def rnn_forward_matches_torch(sub, ref):
    """Check that rnn_forward returns every hidden state of a one-layer torch.nn.RNN (tanh, batch_first=True) with the same weights, over 1 and 7 steps."""
    assert_rnn_forward(sub, *rnn_problem(3, 7, 4, 5, seed=30))
    assert_rnn_forward(sub, *rnn_problem(2, 1, 3, 4, seed=31))


@check("week5.rnn", points=2)
def rnn_backward_numerical_every_step(sub, ref):
    """Check that rnn_backward gives dx, dh0, dWx, dWh and db matching numerical differentiation of torch.nn.RNN over 6 steps, with an upstream gradient on every hidden state."""
    check_rnn_backward(sub, *rnn_problem(2, 6, 3, 4, seed=40))


@check("week5.rnn", points=1)
def rnn_backward_numerical_last_step(sub, ref):
    """Check that rnn_backward matches numerical differentiation over 7 steps with an upstream gradient on the last hidden state only: every other gradient comes back through time."""
    check_rnn_backward(sub, *rnn_problem(2, 7, 3, 4, seed=41), last_only=True)


# --- week5.clip ----------------------------------------------------------------------------


def torch_clip(grads, max_norm):
    """(total norm, the clipped arrays) by torch.nn.utils.clip_grad_norm_ in float64."""
    params = [torch.nn.Parameter(torch.zeros(np.shape(g), dtype=torch.float64)) for g in grads]
    for p, g in zip(params, grads):
        p.grad = t64(g)
    total = torch.nn.utils.clip_grad_norm_(params, max_norm)
    return float(total), [p.grad.numpy() for p in params]


def clip_mistakes(grads, max_norm):
    """The arrays and the returned value that common mistakes give: (arrays by label, value by label)."""
    grads = [np.asarray(g, dtype=np.float64) for g in grads]
    norms = [float(np.linalg.norm(g)) for g in grads]
    total = float(np.sqrt(sum(n**2 for n in norms)))
    arrays = {
        "clipping each array by its own norm instead of scaling all of them by one total norm over every array":
            [g * min(1.0, max_norm / (n + 1e-6)) for g, n in zip(grads, norms)],
        "clipping each element to [−max_norm, max_norm] (np.clip) instead of scaling by the total norm":
            [np.clip(g, -max_norm, max_norm) for g in grads],
        "scaling every array to the total norm max_norm whatever its norm (only norms above max_norm are "
        "scaled down)": [g * max_norm / total for g in grads],
    }
    values = {
        "returning the norm after clipping (about max_norm) instead of the total norm before clipping": max_norm,
        "returning the sum of the arrays' norms instead of the 2-norm of all their entries together": sum(norms),
        "returning the squared total norm instead of the total norm": total**2,
    }
    return arrays, values


def assert_clip(sub, grads, max_norm):
    """clip_grad_norm on arrays kept in the student's process (so that changing them in place is
    seen) against torch.nn.utils.clip_grad_norm_: the arrays afterwards, then the returned norm."""
    shapes = ", ".join(str(np.shape(g)) for g in grads)
    dtypes = sorted({str(np.asarray(g).dtype) for g in grads})
    what = (f"clip_grad_norm(grads, max_norm={max_norm:g}) for {len(grads)} arrays of shapes {shapes} "
            f"({', '.join(dtypes)})")
    handles = [sub.store(np.array(g)) for g in grads]
    total = sub.rnn.clip_grad_norm(handles, max_norm)
    after = [h.fetch() for h in handles]
    expected_total, expected = torch_clip(grads, max_norm)
    arrays, values = clip_mistakes(grads, max_norm)
    unchanged = all(np.array_equal(np.asarray(a), np.asarray(g)) for a, g in zip(after, grads))
    for i, (a, e) in enumerate(zip(after, expected)):
        label = f"array {i} (shape {np.shape(e)}) after {what}"
        got = as_array(a, label)
        if got.shape != e.shape:
            raise CheckFailed(f"{label} has shape {got.shape}, expected {e.shape}: scale the arrays in place, keep "
                              "their shapes.")
        if unchanged and expected_total > max_norm:
            raise CheckFailed(
                f"the arrays passed to {what} did not change, and their total norm {expected_total:.6g} is above "
                f"max_norm: scale the caller's arrays in place (g *= factor, or g[...] = …); binding a new array "
                f"(g = g * factor, or grads[i] = …) leaves the caller's gradients as they were.",
                mistake="binding new arrays (g = g * factor) instead of scaling the caller's arrays in place")
        assert_values(got, e, label, rtol=CLIP_TOL["rtol"], atol=CLIP_TOL["atol"],
                      mistakes={k: v[i] for k, v in arrays.items()},
                      hint="Expected every array multiplied by the same factor max_norm / (total + 1e-6), total being "
                           "√(Σ_arrays Σ g²), when total > max_norm, and left as it is otherwise.")
    got_total = as_float(total, f"the value {what} returned")
    if not np.isfinite(got_total):
        raise CheckFailed(f"the value {what} returned is {got_total}, expected the total norm {expected_total:.8g}.")
    assert_close(got_total, expected_total, f"the value {what} returned", rtol=CLIP_TOL["rtol"], atol=0.0,
                 mistakes=values, hint="Expected the total norm before clipping, √(Σ_arrays Σ g²).")


def clip_problem(shapes, total, seed, dtype=np.float64):
    """Arrays of `shapes`, normal, scaled together to the total 2-norm `total`."""
    rng = np.random.default_rng(seed)
    grads = [rng.normal(size=s) for s in shapes]
    factor = total / np.sqrt(sum(np.sum(g**2) for g in grads))
    return [(g * factor).astype(dtype) for g in grads]


@check("week5.clip", points=2)
def clip_scales_by_the_total_norm(sub, ref):
    """Check that clip_grad_norm scales every array in place by one factor from the total norm over all of them, as torch.nn.utils.clip_grad_norm_, and returns that total norm."""
    assert_clip(sub, clip_problem([(4, 5), (5,), (2, 3, 4)], total=10.0, seed=50), max_norm=1.0)
    assert_clip(sub, clip_problem([(3, 3), (1,)], total=7.5, seed=51), max_norm=5.0)


@check("week5.clip", points=1)
def clip_leaves_small_gradients_untouched(sub, ref):
    """Check that clip_grad_norm leaves arrays whose total norm is below max_norm as they are and returns their total norm."""
    assert_clip(sub, clip_problem([(4, 5), (5,), (2, 3, 4)], total=0.6, seed=52), max_norm=1.0)
    assert_clip(sub, clip_problem([(6,), (2, 2)], total=4.0, seed=53), max_norm=5.0)
