"""Public checks for layers.py: each layer's forward against PyTorch, each backward
against PyTorch autograd on the same weights *and* against the grader's numerical
differentiation (numdifftools' full Jacobian, float64), parameter gradients included;
Sequential against the composition of its own layers; the initialisations on the
statistics of a large draw.

The layers live in the student's process. The grader writes the weights it wants into
a Dense layer's own arrays, in place (as an optimizer does), reads them back, and
computes every expected value from what it read. Inputs of the ReLU family stay at
least ``kink_margin`` away from 0, where the derivative jumps.
"""

import numpy as np
import torch
import torch.nn.functional as F
from scipy.special import expit

from grader import gradcheck
from grader.compare import as_array, assert_finite, describe, fmt
from grader.oracles import assert_close_scaled, mean_bound, torch_vjp, variance_bound
from grader.registry import CheckFailed, check, load_rubric

RUBRIC = load_rubric(__file__)
TOL = RUBRIC["layers"]
INIT = RUBRIC["init"]

DENSE_HINT = ("Expected out = x·W + b; backward: grads['W'] = xᵀ·dout and grads['b'] = dout summed over the batch "
              "(axis 0), returning dx = dout·Wᵀ; every backward overwrites grads (=, not +=).")


# --- talking to the student's layers ----------------------------------------------


def live_item(container, key):
    """A handle on ``container[key]`` itself (not a copy), for a list or dict living in the
    student's process: ``pop`` from a shallow copy returns the very object."""
    return container.copy(_keep=True).pop(key, _keep=True)


def live_parameters(seq, count):
    """Handles on the first `count` arrays ``seq.parameters()`` returns: the very objects."""
    handles = seq.parameters(_keep=True).copy(_keep=True)
    return [handles.pop(0, _keep=True) for _ in range(count)]


def write_into(array_handle, values):
    """Write `values` into a student's array in place, as an optimizer does (its dtype may round them)."""
    values = np.asarray(values, dtype=np.float64)
    array_handle.put(np.arange(values.size), values.ravel())


def read_dict(layer, attr, what):
    """``layer.<attr>`` (params or grads) as a plain dict of float64 arrays."""
    value = layer.get(attr)
    if not isinstance(value, dict):
        raise CheckFailed(f"{what}.{attr} should be a dict of arrays, got {'None' if value is None else describe(value)}")
    return {k: as_array(v, f"{what}.{attr}[{k!r}]") for k, v in value.items()}


def dense_params(layer, fan_in, fan_out, what):
    """A Dense layer's params, checked for keys and shapes."""
    params = read_dict(layer, "params", what)
    if set(params) != {"W", "b"}:
        raise CheckFailed(f"{what}.params has keys {sorted(params)}, expected exactly 'W' and 'b'")
    for name, shape in (("W", (fan_in, fan_out)), ("b", (fan_out,))):
        got = params[name].shape
        if got != shape:
            turned = " (transposed?)" if got == shape[::-1] else ""
            raise CheckFailed(f"{what}.params[{name!r}] has shape {got}, expected {shape}{turned}: W is "
                              "(in_features, out_features) and b is (out_features,)")
        assert_finite(params[name], f"{what}.params[{name!r}]")
    return params


def set_params(layer, values, what):
    """Write `values` (name -> array) into the layer's own parameter arrays, in place, and
    return what the layer holds afterwards (its dtype may round them)."""
    live = layer.get("params", keep=True)
    for name, value in values.items():
        write_into(live_item(live, name), value)
    return read_dict(layer, "params", what)


def dense_grads(layer, params, what):
    """A Dense layer's grads after a backward: keys and shapes like its params."""
    grads = read_dict(layer, "grads", what)
    if set(grads) != set(params):
        raise CheckFailed(f"after backward, {what}.grads has keys {sorted(grads)}, expected the keys of params "
                          f"{sorted(params)}")
    for name in params:
        if grads[name].shape != params[name].shape:
            raise CheckFailed(f"after backward, {what}.grads[{name!r}] has shape {grads[name].shape}, expected "
                              f"{params[name].shape}, the shape of params[{name!r}]")
    return grads


def kink_free(shape, rng, scale=2.0):
    """Random values of either sign with |x| in [kink_margin, scale]."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(TOL["kink_margin"], scale, size=shape)


# --- comparisons -----------------------------------------------------------------


def assert_values(got, expected, what, mistakes=None, hint=""):
    """Forward values: |got − expected| ≤ rtol·|expected| + atol·max(1, max|expected|)."""
    return assert_close_scaled(got, expected, what, rtol=TOL["rtol"], atol=TOL["atol"], mistakes=mistakes, hint=hint)


def assert_torch_grad(got, expected, what, mistakes=None, hint=""):
    """A gradient against PyTorch autograd: |got − expected| ≤ grad_rtol·|expected| + grad_atol·max(1, max|expected|)."""
    return assert_close_scaled(got, expected, what, rtol=TOL["grad_rtol"], atol=TOL["grad_atol"], mistakes=mistakes,
                               hint=hint)


def assert_numerical(f, x, vjp, *, name, arg, full=True, hint=""):
    """The student's backward (vjp) against the grader's numerical differentiation of its own f."""
    try:
        if full:
            gradcheck.check_vjp_full(f, x, vjp, name=name, arg=arg, rtol=TOL["grad_rtol"], atol=TOL["grad_atol"])
        else:
            gradcheck.check_directional(f, x, vjp, name=name, arg=arg, rtol=TOL["grad_rtol"], atol=TOL["grad_atol"])
    except gradcheck.GradientMismatch as e:
        raise gradcheck.GradientMismatch(str(e).rstrip(".") + "." + (f" {hint}" if hint else "")) from None


# --- week2.dense -------------------------------------------------------------------


def make_dense(sub, fan_in, fan_out, seed):
    what = f"Dense({fan_in}, {fan_out}, rng)"
    layer = sub.layers.Dense(fan_in, fan_out, sub.rng(seed), _keep=True)
    return layer, dense_params(layer, fan_in, fan_out, what), what


def dense_with_weights(sub, fan_in, fan_out, seed):
    """A student's Dense whose W and b the grader has set (in place) to random values."""
    layer, _, what = make_dense(sub, fan_in, fan_out, seed)
    rng = np.random.default_rng(1000 + seed)
    values = {"W": rng.normal(size=(fan_in, fan_out)) / np.sqrt(fan_in), "b": rng.normal(size=fan_out)}
    return layer, dense_params_after(layer, values, what), what


def dense_params_after(layer, values, what):
    params = set_params(layer, values, what)
    for name, value in values.items():
        if not np.allclose(params[name], value, rtol=1e-6, atol=1e-7):
            raise CheckFailed(f"writing into {what}.params[{name!r}] in place did not change it: keep the arrays in "
                              "the params dict itself (an optimizer updates them there, in place)")
    return params


def assert_dense_forward(layer, params, x, what):
    W, b = params["W"], params["b"]
    out = layer.forward(x)
    call = f"{what}.forward(x) for x of shape {x.shape}"
    expected = F.linear(torch.tensor(x), torch.tensor(W).T, torch.tensor(b)).numpy()
    assert_values(out, expected, call, hint="Expected x·W + b (x @ W + b).",
                  mistakes={"x·W without the bias b": x @ W, "x·W − b (the bias subtracted)": x @ W - b})


def assert_dense_backward(layer, params, x, dout, what, full=True):
    """dx, grads['W'], grads['b'] after forward(x), backward(dout): against torch autograd on the
    same weights, then against numerical differentiation (full Jacobian or directional)."""
    W, b = params["W"], params["b"]
    n = x.shape[0]
    layer.forward(x)
    dx = layer.backward(dout)
    grads = dense_grads(layer, params, what)
    call = f"{what}.backward(dout) after forward(x) for x of shape {x.shape}"
    _, (ex, eW, eb) = torch_vjp(lambda xt, Wt, bt: F.linear(xt, Wt.T, bt), (x, W, b), dout)
    averaged = "the gradient averaged over the batch instead of summed (N times too small)"
    assert_torch_grad(dx, ex, f"dx returned by {call}", hint=DENSE_HINT)
    assert_torch_grad(grads["W"], eW, f"grads['W'] after {call}", hint=DENSE_HINT,
                      mistakes={averaged: eW / n} if n > 1 else None)
    assert_torch_grad(grads["b"], eb, f"grads['b'] after {call}", hint=DENSE_HINT,
                      mistakes={"grads['b'] left at zeros (never set by backward)": np.zeros_like(eb),
                                **({averaged: eb / n} if n > 1 else {})})
    assert_numerical(lambda v: v @ W + b, x, lambda v: layer.backward(v), name=f"{what}.forward", arg="x",
                     full=full, hint=DENSE_HINT)
    for name, f, at in (("W", lambda v: x @ v + b, W), ("b", lambda v: x @ W + v, b)):
        def vjp(v, name=name):
            layer.backward(v)
            return read_dict(layer, "grads", what)[name]

        assert_numerical(f, at, vjp, name=f"{what}.forward", arg=f"params[{name!r}] (grads[{name!r}])", full=full,
                         hint=DENSE_HINT)


@check("week2.dense", points=1)
def dense_params_and_forward(sub, ref):
    """Check that Dense(4, 3, rng) has params W (4, 3) and b (3,) and that forward is x·W + b (torch's F.linear), for batches of 5 and 1."""
    layer, params, what = dense_with_weights(sub, 4, 3, seed=0)
    rng = np.random.default_rng(11)
    for n in (5, 1):
        assert_dense_forward(layer, params, rng.normal(size=(n, 4)), what)


@check("week2.dense", points=2)
def dense_backward_matches_torch_and_numerical(sub, ref):
    """Check that Dense.backward returns dx and sets grads W and b (summed over the batch) as torch autograd and numerical differentiation give them, for batches of 5 and 1."""
    layer, params, what = dense_with_weights(sub, 4, 3, seed=1)
    rng = np.random.default_rng(12)
    for n in (5, 1):
        assert_dense_backward(layer, params, rng.normal(size=(n, 4)), rng.normal(size=(n, 3)), what)


# --- week2.activations -----------------------------------------------------------

# name -> (constructor kwargs, torch function, the grader's own NumPy formula)
ACTIVATIONS = {
    "ReLU": ({}, F.relu, lambda x: np.maximum(x, 0.0)),
    "LeakyReLU": ({}, lambda t: F.leaky_relu(t, 0.01), lambda x: np.where(x > 0, x, 0.01 * x)),
    "Sigmoid": ({}, torch.sigmoid, expit),
    "Tanh": ({}, torch.tanh, np.tanh),
}

# name -> (what forward computes, what backward computes)
ACTIVATION_HINTS = {
    "ReLU": ("relu(x) = max(x, 0) elementwise.",
             "ReLU's backward passes dout where the forward input was > 0 and 0 elsewhere."),
    "LeakyReLU": ("x where x > 0, else negative_slope·x.",
                  "LeakyReLU's backward multiplies dout by 1 or negative_slope according to the sign of the forward "
                  "input."),
    "Sigmoid": ("σ(x) = 1/(1 + e^(−x)) elementwise.",
                "σ'(x) = σ(x)(1 − σ(x)), from the output σ(x) saved in forward, not from the input x."),
    "Tanh": ("tanh(x) elementwise.", "tanh'(x) = 1 − tanh(x)², from the output saved in forward, not from the input x."),
}


def activation_mistakes(name, x, dout, slope=0.01):
    """What common wrong backward passes give."""
    if name == "Sigmoid":
        return {"σ'(x) computed from the input (x(1 − x) instead of σ(x)(1 − σ(x)))": dout * x * (1 - x)}
    if name == "Tanh":
        return {"tanh' computed from the input (1 − x² instead of 1 − tanh(x)²)": dout * (1 - x**2)}
    if name == "LeakyReLU":
        return {"the default slope 0.01 used instead of negative_slope": np.where(x > 0, dout, 0.01 * dout),
                "a plain ReLU's backward (slope 0 on the negative side)": np.where(x > 0, dout, 0.0)}
    return {"dout passed where dout > 0 (the mask taken from dout, not from x)": np.where(dout > 0, dout, 0.0)}


def make_activation(sub, name, kwargs):
    what = f"{name}({', '.join(f'{k}={v}' for k, v in kwargs.items())})"
    layer = getattr(sub.layers, name)(_keep=True, **kwargs)
    return layer, what


def assert_no_params(layer, what):
    for attr in ("params", "grads"):
        value = layer.get(attr)
        if value != {} or not isinstance(value, dict):
            shown = value if isinstance(value, dict) else "None" if value is None else describe(value)
            raise CheckFailed(f"{what}.{attr} should be an empty dict (the layer has no parameters), got {shown}")


def assert_activation(layer, what, name, x, dout, torch_fn, formula, full=True, slope=0.01):
    """forward(x) and backward(dout) against torch, then backward against numerical differentiation.
    Values only: week 2's table forbids no warning."""
    out = layer.forward(x)
    expected, (ex,) = torch_vjp(torch_fn, (x,), dout)
    forward_mistakes = {"a plain ReLU (slope 0 on the negative side)": np.maximum(x, 0.0)} if name == "LeakyReLU" else {}
    if name == "LeakyReLU" and slope != 0.01:
        forward_mistakes["the default slope 0.01 used instead of negative_slope"] = np.where(x > 0, x, 0.01 * x)
    assert_values(out, expected, f"{what}.forward(x) for x of shape {x.shape} (|x| up to {fmt(np.abs(x).max())})",
                  hint=ACTIVATION_HINTS[name][0], mistakes=forward_mistakes)
    dx = layer.backward(dout)
    assert_torch_grad(dx, ex, f"{what}.backward(dout) after forward(x) for x of shape {x.shape}",
                      mistakes=activation_mistakes(name, x, dout, slope), hint=ACTIVATION_HINTS[name][1])
    layer.forward(x)
    assert_numerical(formula, x, lambda v: layer.backward(v), name=f"{what}.forward", arg="x", full=full,
                     hint=ACTIVATION_HINTS[name][1])


@check("week2.activations", points=2)
def activations_match_torch_and_numerical(sub, ref):
    """Check that ReLU, LeakyReLU, Sigmoid and Tanh match torch in forward and backward (autograd and numerical differentiation), with empty params and grads."""
    rng = np.random.default_rng(21)
    for name, (kwargs, torch_fn, formula) in ACTIVATIONS.items():
        layer, what = make_activation(sub, name, kwargs)
        x = kink_free((6, 5), rng, scale=4.0)
        assert_activation(layer, what, name, x, rng.normal(size=x.shape), torch_fn, formula)
        assert_no_params(layer, what)


# --- week2.sequential ------------------------------------------------------------


def probe_sequential(sub):
    """Build a Sequential of one parameter-free layer before anything else, so that an unfinished
    Sequential is reported as such rather than through a layer it would hold."""
    sub.layers.Sequential(sub.layers.Tanh(_keep=True), _keep=True)


def parameter_list(seq, what):
    """seq.parameters() by value, checked to be a list of arrays."""
    values = seq.parameters()
    if not isinstance(values, list):
        raise CheckFailed(f"{what}.parameters() should return a list of arrays, got {describe(values)}")
    return [as_array(v, f"{what}.parameters()[{i}]") for i, v in enumerate(values)]


def match_parameters(sub, seq, dense_layers, what, seed):
    """Write distinct random values, in place, into each array seq.parameters() returned; each must
    then show up in exactly one Dense layer's params. Returns [(layer index, name)] per parameter."""
    arrays = parameter_list(seq, what)
    elems = live_parameters(seq, len(arrays))
    rng = np.random.default_rng(seed)
    written = []
    for arr, elem in zip(arrays, elems):
        new = rng.uniform(1.0, 2.0, size=arr.shape) * rng.choice([-1.0, 1.0], size=arr.shape)
        write_into(elem, new)
        written.append(new)
    layer_params = [read_dict(layer, "params", f"layer {k}") for k, layer in enumerate(dense_layers)]
    owners = []
    for i, new in enumerate(written):
        found = [(k, name) for k, params in enumerate(layer_params) for name, p in params.items()
                 if p.shape == new.shape and np.allclose(p, new, rtol=1e-6, atol=0.0)]
        if not found:
            raise CheckFailed(f"{what}.parameters()[{i}] (shape {new.shape}) is not one of the layers' own parameter "
                              "arrays: writing into it in place changed no layer's params. An optimizer updates the "
                              "arrays parameters() returns, in place, so it must return the layers' params arrays "
                              "themselves, not copies (no .copy(), np.array(...) or arithmetic on them).")
        owners.append(found[0])
    expected = [(k, name) for k, params in enumerate(layer_params) for name in params]
    missing = [pair for pair in expected if pair not in owners]
    if missing or len(owners) != len(expected):
        k, name = missing[0] if missing else max(set(owners), key=owners.count)
        problem = "is missing from" if missing else "appears more than once in"
        raise CheckFailed(f"the params[{name!r}] of Dense layer {k} {problem} {what}.parameters(): expected every "
                          f"parameter array of every layer exactly once ({len(expected)} arrays)")
    return owners


def assert_gradients_aligned(seq, dense_layers, owners, what, when):
    """seq.gradients() must list the layers' current grads in the order of parameters()."""
    grads = seq.gradients()
    if not isinstance(grads, list) or len(grads) != len(owners):
        got = f"a list of {len(grads)}" if isinstance(grads, list) else describe(grads)
        raise CheckFailed(f"{what}.gradients() {when} should be a list of {len(owners)} arrays, one per parameter, "
                          f"got {got}")
    layer_grads = [read_dict(layer, "grads", f"layer {k}") for k, layer in enumerate(dense_layers)]
    for i, (k, name) in enumerate(owners):
        if name not in layer_grads[k]:
            raise CheckFailed(f"{when}, Dense layer {k}'s grads has no {name!r}: backward must set a gradient for "
                              "every parameter")
        expected = layer_grads[k][name]
        got = as_array(grads[i], f"{what}.gradients()[{i}] {when}")
        if got.shape != expected.shape:
            raise CheckFailed(f"{what}.gradients()[{i}] {when} has shape {got.shape}, but parameters()[{i}] is "
                              f"params[{name!r}] of Dense layer {k}, shape {expected.shape}: list the gradients in "
                              "the order of parameters()")
        assert_values(got, expected, f"{what}.gradients()[{i}] {when} (the gradient of params[{name!r}] of Dense "
                      f"layer {k}, as that layer's grads hold it)",
                      hint="gradients()[i] must be the current grads entry of the array parameters()[i]; read the "
                           "layers' grads when gradients() is called (backward may replace them).")


def make_stack(sub, spec, seed):
    """Student layers from `spec`, a list of (class name, args, kwargs); Dense layers are built
    with generators seeded seed, seed + 1, …. Returns (all layers, the Dense layers)."""
    layers, dense = [], []
    for name, args, kwargs in spec:
        if name == "Dense":
            layer = sub.layers.Dense(*args, sub.rng(seed + len(dense)), _keep=True)
            dense.append(layer)
        else:
            layer = getattr(sub.layers, name)(*args, _keep=True, **kwargs)
        layers.append(layer)
    return layers, dense


def describe_stack(spec):
    def one(name, args, kwargs):
        inner = ", ".join([*map(str, args), *(f"{k}={v}" for k, v in kwargs.items())])
        return f"{name}({inner})"

    return "Sequential(" + ", ".join(one(*layer) for layer in spec) + ")"


def copy_weights(source, target):
    """Write the params of each Dense in `source` into its twin in `target`, in place."""
    for k, (a, b) in enumerate(zip(source, target)):
        set_params(b, read_dict(a, "params", f"Dense layer {k}"), f"Dense layer {k}")


def assert_composes(sub, seq, layers, twins, dense, twin_dense, x, dout, what):
    """seq.forward(x) and seq.backward(dout) against the grader driving `twins` (a second stack of
    the same layers with the same weights) by hand: forward in order, backward in reverse order
    feeding each result to the layer before. One forward and one backward for each stack, so any
    layer, right or wrong, behaves the same in both."""
    out_seq = seq.forward(x)
    h = x
    for layer in twins:
        h = layer.forward(h)
    assert_values(out_seq, as_array(h, "the last layer's forward output"), f"{what}.forward(x) for x of shape "
                  f"{x.shape}", hint="forward must feed x through the layers in order, each output into the next "
                  "layer, and return the last output.")
    dx_seq = seq.backward(dout)
    g = dout
    for layer in reversed(twins):
        g = layer.backward(g)
    call = f"{what}.backward(dout) after forward(x)"
    if dx_seq is None:
        raise CheckFailed(f"{call} returned None (did you forget a return statement?): it must return the gradient "
                          "for the input x, the result of the first layer's backward")
    assert_values(dx_seq, as_array(g, "the first layer's backward result"), f"the gradient returned by {call}",
                  hint="backward must go through the layers in reverse order, feed each layer the gradient the "
                       "layer after it returned, and return the first layer's result.")
    for k, (layer, twin) in enumerate(zip(dense, twin_dense)):
        got, expected = read_dict(layer, "grads", f"Dense layer {k}"), read_dict(twin, "grads", f"Dense layer {k}")
        for name, value in expected.items():
            if name not in got:
                raise CheckFailed(f"after {call}, Dense layer {k}'s grads has no {name!r}: was its backward called?")
            assert_values(got[name], value, f"Dense layer {k}'s grads[{name!r}] after {call}",
                          hint="backward must call every layer's backward, last layer first, each with the gradient "
                               "of its own output.")


def check_composition(sub, spec, n, seed, live=False):
    """A Sequential of the layers in `spec` against a twin stack driven by hand; with `live`, its
    parameters() and gradients() too."""
    probe_sequential(sub)
    layers, dense = make_stack(sub, spec, seed)
    twins, twin_dense = make_stack(sub, spec, seed)
    what = describe_stack(spec)
    seq = sub.layers.Sequential(*layers, _keep=True)
    owners = match_parameters(sub, seq, dense, what, seed=seed + 50) if live else None
    copy_weights(dense, twin_dense)
    rng = np.random.default_rng(seed + 60)
    width_in, width_out = spec[0][1][0], spec[-1][1][1]
    assert_composes(sub, seq, layers, twins, dense, twin_dense, rng.normal(size=(n, width_in)),
                    rng.normal(size=(n, width_out)), what)
    if live:
        assert_gradients_aligned(seq, dense, owners, what, "after a backward")


@check("week2.sequential", points=2)
def sequential_composes_its_layers(sub, ref):
    """Check that Sequential.forward applies the layers in order and backward goes through them in reverse, returning dx and setting every layer's grads."""
    check_composition(sub, [("Dense", (5, 4), {}), ("Tanh", (), {}), ("Dense", (4, 3), {})], n=6, seed=30)


@check("week2.sequential", points=1)
def sequential_parameters_are_live(sub, ref):
    """Check that parameters() returns the layers' own arrays (writing into them in place changes the layers) and gradients() their gradients in the same order."""
    probe_sequential(sub)
    dense = [sub.layers.Dense(5, 4, sub.rng(33), _keep=True), sub.layers.Dense(4, 3, sub.rng(34), _keep=True)]
    what = "Sequential(Dense(5, 4), ReLU(), Dense(4, 3))"
    seq = sub.layers.Sequential(dense[0], sub.layers.ReLU(_keep=True), dense[1], _keep=True)
    owners = match_parameters(sub, seq, dense, what, seed=35)
    rng = np.random.default_rng(36)
    seq.forward(rng.normal(size=(6, 5)))
    seq.backward(rng.normal(size=(6, 3)))
    assert_gradients_aligned(seq, dense, owners, what, "after a backward")


# --- week2.init ------------------------------------------------------------------


def draw(sub, fn, fan_in, fan_out, seed):
    what = f"{fn}({fan_in}, {fan_out}, rng)"
    W = getattr(sub.layers, fn)(fan_in, fan_out, sub.rng(seed))
    W = as_array(W, what)
    if W.shape != (fan_in, fan_out):
        turned = " (transposed?)" if W.shape == (fan_out, fan_in) else ""
        raise CheckFailed(f"{what} has shape {W.shape}, expected (fan_in, fan_out) = {(fan_in, fan_out)}{turned}")
    assert_finite(W, what)
    return W, what


def init_mistakes(fn, fan_in, fan_out):
    """Variances that common mistakes give."""
    if fn == "he_init":
        return {"using fan_out instead of fan_in (2/fan_out)": 2.0 / fan_out,
                "a missing factor 2 (1/fan_in, LeCun's initialisation)": 1.0 / fan_in,
                "using 2/fan_in as the standard deviation instead of the variance": (2.0 / fan_in) ** 2,
                "U(−a, a) with a = √(2/fan_in), whose variance is a²/3": 2.0 / (3 * fan_in),
                "Xavier's variance 2/(fan_in + fan_out)": 2.0 / (fan_in + fan_out)}
    return {"a missing factor 2 (1/(fan_in + fan_out))": 1.0 / (fan_in + fan_out),
            "using 2/(fan_in + fan_out) as the standard deviation instead of the variance":
                (2.0 / (fan_in + fan_out)) ** 2,
            "U(−a, a) with a = √(2/(fan_in + fan_out)), whose variance is a²/3": 2.0 / (3 * (fan_in + fan_out)),
            "He's variance 2/fan_in": 2.0 / fan_in,
            "1/fan_in (only the forward pass's fan)": 1.0 / fan_in}


def assert_init_statistics(W, what, variance, formula, mistakes):
    """Zero mean and the given variance, within `sigmas` standard errors for W.size entries."""
    n, sigmas = W.size, INIT["sigmas"]
    mean, var = float(W.mean()), float(W.var())
    mean_tol = mean_bound(np.sqrt(variance), n, sigmas)
    if abs(mean) > mean_tol:
        raise CheckFailed(f"the mean of the {n} entries of {what} is {fmt(mean)}, expected 0 ± {fmt(mean_tol)} "
                          f"({sigmas:g} standard errors): draw from a distribution centred at 0")
    var_tol = variance_bound(variance, n, sigmas)  # a normal sample's; a uniform one's is smaller
    if abs(var - variance) > var_tol:
        named = [label for label, v in mistakes.items() if abs(var - v) <= variance_bound(v, n, sigmas)]
        raise CheckFailed(f"the variance of the {n} entries of {what} is {fmt(var)}, expected {formula} = "
                          f"{fmt(variance)} ± {fmt(var_tol)} ({sigmas:g} standard errors).",
                          mistake=named[0] if named else None)


def assert_he(sub, fan_in, fan_out, seed):
    W, what = draw(sub, "he_init", fan_in, fan_out, seed)
    assert_init_statistics(W, what, 2.0 / fan_in, "2/fan_in", init_mistakes("he_init", fan_in, fan_out))
    return W


def assert_xavier(sub, fan_in, fan_out, seed):
    W, what = draw(sub, "xavier_init", fan_in, fan_out, seed)
    assert_init_statistics(W, what, 2.0 / (fan_in + fan_out), "2/(fan_in + fan_out)",
                           init_mistakes("xavier_init", fan_in, fan_out))
    return W


@check("week2.init", points=1)
def he_init_statistics(sub, ref):
    """Check that he_init(200, 300, rng) has shape (200, 300), mean 0 and variance 2/fan_in, within 6 standard errors."""
    assert_he(sub, 200, 300, seed=40)


@check("week2.init", points=1)
def xavier_init_statistics(sub, ref):
    """Check that xavier_init(200, 300, rng) has shape (200, 300), mean 0 and variance 2/(fan_in + fan_out), within 6 standard errors."""
    assert_xavier(sub, 200, 300, seed=41)
