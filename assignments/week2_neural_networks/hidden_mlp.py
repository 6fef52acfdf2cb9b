"""Hidden checks for mlp.py: a deeper network, its use of rng, and that its backward pass and
gradients() are those of its own forward, whatever its activations; accuracy on the held-out
test split, from the public check's training run.

The table asks for Dense+activation blocks, any activation. Where your own ReLU, LeakyReLU,
Tanh or Sigmoid (default arguments) reproduces each hidden block, the network is compared,
forward and backward, with that stack driven by hand from your own layers with the same
weights, so that a layer's bug costs the layer's exercise and not this one. Otherwise (an
activation of your own, another slope) its backward and gradients() are judged against the
grader's numerical differentiation of the network's own forward.
"""

import itertools

import numpy as np

from grader import gradcheck
from grader.compare import as_array, assert_close, close
from grader.registry import CheckFailed, check, load_rubric
from grader.sandbox import StudentError

from .public_layers import TOL, assert_values, live_parameters, read_dict, set_params, write_into
from .public_mlp import RUBRIC, assert_structure, build, judge_training, logits

MLP = load_rubric(__file__)["mlp"]
DEEP = (10, [9, 7, 6], 4)  # every weight shape (and its transpose) differs from every other
ACTIVATIONS = ("ReLU", "LeakyReLU", "Tanh", "Sigmoid")  # the table's, built with their default arguments


@check("week2.train_mlp", points=1)
def mlp_deeper_and_seeded(sub, ref):
    """Check that build_mlp(10, [9, 7, 6], 4, rng) is right too, and that its initial weights come from rng alone."""
    model, what = assert_structure(sub, *DEEP, seed=70)
    x = np.random.default_rng(71).normal(size=(5, DEEP[0]))
    first = logits(model, x, what, DEEP[2])
    again, _ = build(sub, *DEEP, seed=70)
    assert_close(logits(again, x, what, DEEP[2]), first, f"the logits of a second {what} with the same seed",
                 rtol=1e-12, atol=1e-12, hint="Draw the initial weights from the rng argument only (not np.random or "
                                              "a new generator), so that the same seed gives the same network.")
    other, _ = build(sub, *DEEP, seed=72)
    if np.allclose(logits(other, x, what, DEEP[2]), first):
        raise CheckFailed(f"{what} gives the same network for two different seeds: draw the initial weights from the "
                          "rng argument")


def parameters_by_layer(model, dense, what):
    """The model's parameters() as arrays, and which Dense layer's W or b each is, told by the
    shapes of `dense` (Dense layers of the same sizes, built from your class):
    {index in parameters(): (Dense layer k, parameter name)}."""
    values = model.parameters()
    if not isinstance(values, list):
        raise CheckFailed(f"{what}.parameters() should return a list of arrays")
    arrays = [as_array(v, f"{what}.parameters()[{i}]") for i, v in enumerate(values)]
    owner = {}
    for k, layer in enumerate(dense):
        for name, p in read_dict(layer, "params", f"Dense layer {k}").items():
            found = [i for i, a in enumerate(arrays) if a.shape == p.shape]
            if len(found) != 1:
                raise CheckFailed(f"{what} should have exactly one parameter of shape {p.shape}, found {len(found)}")
            owner[found[0]] = (k, name)
    return arrays, owner


def reuse_hint(name):
    return (f"Give every hidden layer its own {name} object: a layer saves what its backward needs in forward, so one "
            "object cannot serve two places in the network.")


def run_backward(model, dout, what, hint, note=""):
    """model.backward(dout); a raise becomes a failure with `note` and `hint` (a layer's own bug
    has its own exercise: the caller has seen the same layers go through in their own places)."""
    try:
        return model.backward(dout)
    except StudentError as e:
        raise CheckFailed(f"{what}.backward(dout): {e.message}\n{note}{hint}") from None


# --- where the table's activations reproduce the network: against the same stack by hand ----


def identify_activations(sub, model, dense, x, what, out_features):
    """The activation of each hidden block, as one of ACTIVATIONS whose objects (built here, one per
    block and class) make the hand-driven stack reproduce model.forward(x): (objects, class names),
    or None when no combination does. Uniform combinations are tried first; a class that cannot be
    built or run is left out."""
    target = logits(model, x, what, out_features)
    atol = TOL["atol"] * max(1.0, float(np.abs(target).max()))
    usable = [name for name in ACTIVATIONS if runs(sub, name)]
    objects, hidden_in, hidden_out = {}, {}, {(): x}

    def activation(k, name):
        if (k, name) not in objects:
            objects[k, name] = getattr(sub.layers, name)(_keep=True)
        return objects[k, name]

    def after(prefix):  # the output of hidden block len(prefix) − 1 under these activations
        if prefix not in hidden_out:
            k = len(prefix) - 1
            if prefix[:-1] not in hidden_in:
                hidden_in[prefix[:-1]] = as_array(dense[k].forward(after(prefix[:-1])), f"Dense layer {k}'s forward")
            hidden_out[prefix] = as_array(activation(k, prefix[-1]).forward(hidden_in[prefix[:-1]]),
                                          f"{prefix[-1]}().forward")
        return hidden_out[prefix]

    for combo in sorted(itertools.product(usable, repeat=len(dense) - 1), key=lambda c: len(set(c))):
        try:
            out = as_array(dense[-1].forward(after(combo)), "the last Dense layer's forward")
        except (StudentError, CheckFailed):  # an activation that fails on these values: not this one
            continue
        if close(out, target, TOL["rtol"], atol):
            return [activation(k, name) for k, name in enumerate(combo)], combo
    return None


def runs(sub, name):
    """Whether the student's activation class `name` builds and runs forward (it may not be written yet)."""
    try:
        as_array(getattr(sub.layers, name)(_keep=True).forward(np.linspace(-2.0, 2.0, 6).reshape(2, 3)), name)
    except (StudentError, CheckFailed):
        return False
    return True


def assert_matches_hand_built(model, what, sizes, dense, acts, names, owner, x, dout):
    """Backward and gradients() of the model against `dense` and `acts` (one per hidden block)
    driven by hand: forward in order, backward in reverse order."""
    layers = [f"Dense({a}, {b})" for a, b in zip(sizes[:-1], sizes[1:])]
    by_hand = ", ".join(f"{d}, {name}()" for d, name in zip(layers, names)) + f", {layers[-1]}"
    by_hand += " driven by hand from your own layers with the same weights"
    hint = reuse_hint(names[0] if len(set(names)) == 1 else "activation")
    h = x
    for k, layer in enumerate(dense):
        h = layer.forward(h)
        if k < len(acts):
            h = acts[k].forward(h)
    model.forward(x)
    g = dout
    for k in reversed(range(len(dense))):
        if k < len(acts):
            g = acts[k].backward(g)
        g = dense[k].backward(g)
    dx_hand = as_array(g, "the hand-driven backward")
    dx_model = run_backward(model, dout, what, hint, f"{by_hand[0].upper()}{by_hand[1:]} did not raise. ")
    if dx_model is not None:  # else your Sequential returns no dx: week2.sequential says so
        assert_values(dx_model, dx_hand, f"{what}.backward(dout), compared with {by_hand},", hint=hint)
    grads = model.gradients()
    if not isinstance(grads, list) or len(grads) != len(owner):
        raise CheckFailed(f"{what}.gradients() should be a list of {len(owner)} arrays, one per parameter")
    hand_grads = [read_dict(layer, "grads", f"Dense layer {k}") for k, layer in enumerate(dense)]
    for i, (k, name) in sorted(owner.items()):
        if name not in hand_grads[k]:
            raise CheckFailed(f"after backward, Dense layer {k}'s grads has no {name!r}")
        assert_values(grads[i], hand_grads[k][name], f"{what}.gradients()[{i}] after backward (the gradient of "
                      f"Dense layer {k}'s {name}), compared with {by_hand},", hint=hint)


# --- any other activation: against numerical differentiation of the network's own forward ---


def assert_consistent_once(model, what, sizes, owner, arrays, handles, seed):
    """One attempt: grader-drawn weights written into the model's parameters in place (He-normal
    W, b ~ N(0, 0.5²)) and a fresh input; model.backward against directional derivatives of
    model.forward with respect to the input, and gradients() with respect to all parameters."""
    rng = np.random.default_rng(seed)
    order = sorted(owner)
    wanted = {i: rng.normal(0.0, np.sqrt(2.0 / sizes[owner[i][0]]) if arrays[i].ndim > 1 else 0.5,
                            size=arrays[i].shape) for i in order}

    def put(values):
        for i in order:
            write_into(handles[i], values[i])

    put(wanted)
    held = [as_array(p, f"{what}.parameters()[{i}]") for i, p in enumerate(model.parameters())]
    for i in order:
        if not np.allclose(held[i], wanted[i], rtol=1e-6, atol=1e-7):
            raise CheckFailed(f"writing into {what}.parameters()[{i}] in place did not change it: parameters() must "
                              "return the layers' own arrays (see week2.sequential)")
    x = rng.normal(size=(8, sizes[0]))
    tolerances = dict(rtol=MLP["fd_rtol"], atol=MLP["fd_atol"], eps=MLP["fd_step"])

    def forward(v):
        return logits(model, v, what, sizes[-1])

    model.forward(x)
    if run_backward(model, rng.normal(size=(8, sizes[-1])), what, reuse_hint("activation")) is not None:
        def backward_x(v):  # else your Sequential returns no dx: week2.sequential says so
            model.forward(x)
            return model.backward(v)

        gradcheck.check_directional(forward, x, backward_x, name=f"{what}.forward", arg="x", rng=seed, **tolerances)

    theta = np.concatenate([held[i].ravel() for i in order])
    bounds = np.cumsum([0] + [held[i].size for i in order])

    def unpack(t):
        return {i: t[a:b].reshape(held[i].shape) for i, a, b in zip(order, bounds[:-1], bounds[1:])}

    def forward_params(t):
        put(unpack(t))
        return forward(x)

    def gradients(v):
        put(unpack(theta))
        model.forward(x)
        model.backward(v)
        grads = model.gradients()
        if not isinstance(grads, list) or len(grads) != len(held):
            raise CheckFailed(f"{what}.gradients() should be a list of {len(held)} arrays, one per parameter")
        got = {i: as_array(grads[i], f"{what}.gradients()[{i}]") for i in order}
        for i in order:
            if got[i].shape != held[i].shape:
                raise CheckFailed(f"{what}.gradients()[{i}] has shape {got[i].shape}, expected {held[i].shape}, the "
                                  f"shape of parameters()[{i}]")
        return np.concatenate([got[i].ravel() for i in order])

    try:
        gradcheck.check_directional(forward_params, theta, gradients, name=f"{what}.forward",
                                    arg="its parameters (gradients())", rng=seed + 1, **tolerances)
    finally:
        put(unpack(theta))


def assert_consistent_numerically(model, what, sizes, owner, arrays, seed):
    """model.backward and gradients() against the grader's directional derivatives of model.forward,
    in up to fd_attempts attempts with fresh weights and inputs: a step may straddle the kink of a
    piecewise-linear activation (about 1.5% of attempts, see the rubric), which a correct network
    then fails; a backward that does not match its forward fails every attempt."""
    handles = live_parameters(model, len(arrays))
    first = None
    for attempt in range(MLP["fd_attempts"]):
        try:
            assert_consistent_once(model, what, sizes, owner, arrays, handles, seed + 10 * attempt)
            return
        except gradcheck.GradientMismatch as e:
            first = first or e
    raise gradcheck.GradientMismatch(
        f"{str(first).rstrip('.')} (and likewise in each of {MLP['fd_attempts']} attempts with fresh weights and "
        "inputs). "
        f"The network's backward does not agree with its own forward: each activation's backward must be the "
        f"derivative of its forward. {reuse_hint('activation')}") from None


@check("week2.train_mlp", points=1)
def mlp_backward_matches_its_forward(sub, ref):
    """Check that the backward and gradients() of build_mlp(10, [9, 7, 6], 4) are those of its own forward: against the same Dense+activation stack driven by hand from your layers with the same weights, or (an activation of your own) numerical differentiation."""
    in_features, hidden, out_features = DEEP
    sizes = [in_features, *hidden, out_features]
    model, what = assert_structure(sub, *DEEP, seed=73)
    dense = [sub.layers.Dense(a, b, sub.rng(74), _keep=True) for a, b in zip(sizes[:-1], sizes[1:])]
    arrays, owner = parameters_by_layer(model, dense, what)
    for i, (k, name) in owner.items():
        set_params(dense[k], {name: arrays[i]}, f"Dense layer {k}")
    rng = np.random.default_rng(75)
    x = 2.0 * rng.normal(size=(8, in_features))
    dout = rng.normal(size=(8, out_features))
    found = identify_activations(sub, model, dense, x, what, out_features)
    if found is not None:
        acts, names = found
        assert_matches_hand_built(model, what, sizes, dense, acts, names, owner, x, dout)
    else:
        assert_consistent_numerically(model, what, sizes, owner, arrays, seed=76)


@check("week2.train_mlp", points=2, timeout=RUBRIC["max_seconds"] + 60)
def mlp_reaches_threshold_on_test(sub, ref):
    """Check that build_mlp(64, [64], 10), trained by the grader's fixed loop on the digits' training split (the public check's run), reaches the threshold on the held-out test split."""
    judge_training(sub, "test", device=ref.device)
