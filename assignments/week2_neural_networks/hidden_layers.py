"""Hidden checks for layers.py: Dense on a larger batch (directional derivatives) and its
gradients overwritten by each backward, with initial weights drawn from rng alone; the
activations on a single sample, on 3-d inputs, on a larger batch and (Sigmoid, Tanh) right
and finite at inputs up to ±1e3, LeakyReLU with another slope; Sequential with a deeper stack, a
single sample and repeated backward passes; the initialisations with very unequal
fans, and their use of rng (reproducible, fresh per call, independent entries).
"""

import numpy as np
import torch.nn.functional as F

from grader.compare import as_array, assert_close, fmt
from grader.oracles import correlation_bound, torch_vjp
from grader.registry import CheckFailed, check

from .public_layers import (ACTIVATIONS, INIT, assert_activation, assert_dense_backward, assert_dense_forward,
                            assert_gradients_aligned, assert_he, assert_no_params, assert_torch_grad, assert_values,
                            assert_xavier, check_composition, dense_grads, dense_with_weights, draw, kink_free,
                            make_activation, make_dense, match_parameters, probe_sequential)

# --- week2.dense ------------------------------------------------------------------


@check("week2.dense", points=1)
def dense_grads_overwritten_by_each_backward(sub, ref):
    """Check that each backward replaces grads (never adds to the previous ones), and that backward can be called again after one forward."""
    layer, params, what = dense_with_weights(sub, 3, 2, seed=2)
    rng = np.random.default_rng(13)
    x = rng.normal(size=(4, 3))
    first, second = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    layer.forward(x)
    layer.backward(first)
    layer.backward(second)
    grads = dense_grads(layer, params, what)
    _, (_, eW, eb) = torch_vjp(lambda xt, Wt, bt: F.linear(xt, Wt.T, bt), (x, params["W"], params["b"]), second)
    _, (_, fW, fb) = torch_vjp(lambda xt, Wt, bt: F.linear(xt, Wt.T, bt), (x, params["W"], params["b"]), first)
    call = f"{what}.forward(x), backward(dout₁), backward(dout₂)"
    hint = "Each backward must overwrite grads with the gradients of that call (grads['W'] = …, not +=)."
    for name, expected, old in (("W", eW, fW), ("b", eb, fb)):
        assert_torch_grad(grads[name], expected, f"grads[{name!r}] after {call}", hint=hint,
                          mistakes={"the sum of both calls' gradients (accumulated instead of replaced)": expected + old,
                                    "the first call's gradient (not updated by the second)": old})


@check("week2.dense", points=1)
def dense_larger_batch_and_seeded(sub, ref):
    """Check that Dense(30, 20) is right for a batch of 64 (directional derivatives) and draws its initial W from rng alone."""
    layer, params, what = dense_with_weights(sub, 30, 20, seed=3)
    rng = np.random.default_rng(14)
    x = rng.normal(size=(64, 30))
    assert_dense_forward(layer, params, x, what)
    assert_dense_backward(layer, params, x, rng.normal(size=(64, 20)), what, full=False)
    _, first, what = make_dense(sub, 30, 20, seed=4)
    _, again, _ = make_dense(sub, 30, 20, seed=4)
    _, other, _ = make_dense(sub, 30, 20, seed=5)
    assert_close(again["W"], first["W"], f"the initial W of a second {what} with the same seed", rtol=0.0, atol=0.0,
                 hint="Draw the initial weights from the rng argument only, so that the same seed gives the same layer.")
    if np.array_equal(first["W"], other["W"]) or np.ptp(first["W"]) == 0:
        raise CheckFailed(f"the initial W of {what} is the same for two seeds, or all its entries are equal: draw it "
                          "at random from rng (equal weights make every unit of a layer learn the same thing)")


# --- week2.activations -----------------------------------------------------------


@check("week2.activations", points=1)
def leaky_relu_negative_slope(sub, ref):
    """Check that LeakyReLU(negative_slope=0.2) uses its slope in forward and backward."""
    rng = np.random.default_rng(22)
    layer, what = make_activation(sub, "LeakyReLU", {"negative_slope": 0.2})
    x = kink_free((5, 4), rng)
    assert_activation(layer, what, "LeakyReLU", x, rng.normal(size=x.shape), lambda t: F.leaky_relu(t, 0.2),
                      lambda v: np.where(v > 0, v, 0.2 * v), slope=0.2)
    assert_no_params(layer, what)


@check("week2.activations", points=1)
def activations_other_shapes_and_large_inputs(sub, ref):
    """Check that the activations are right on a single sample, a 3-d input, a batch of 128 (directional) and, for Sigmoid and Tanh, right and finite for inputs up to ±1e3."""
    rng = np.random.default_rng(23)
    for name, (kwargs, torch_fn, formula) in ACTIVATIONS.items():
        layer, what = make_activation(sub, name, kwargs)
        for shape, full in (((1, 7), True), ((2, 3, 4), True), ((128, 40), False)):
            x = kink_free(shape, rng, scale=4.0)
            assert_activation(layer, what, name, x, rng.normal(size=shape), torch_fn, formula, full=full)
        if name in ("Sigmoid", "Tanh"):
            # Values only (week 2's table forbids no warning): the textbook 1/(1 + e^(−x)) overflows
            # to 1/inf = 0 with a RuntimeWarning and is right; e^x/(1 + e^x) gives inf/inf = NaN.
            x = np.array([[-1e3, -750.0, -40.0, 0.5, 40.0, 750.0, 1e3]])
            out = layer.forward(x)
            hint = ("σ(x) must be right and finite for inputs of any size, and e^x is inf for x above about 709. "
                    "Only ever exponentiate −|x|: σ(x) = 1/(1 + e^(−x)) for x ≥ 0 and e^x/(1 + e^x) for x < 0."
                    if name == "Sigmoid" else "")
            expected, (ex,) = torch_vjp(torch_fn, (x,), np.ones_like(x))
            assert_values(out, expected, f"{what}.forward(x) for x up to ±1e3", hint=hint)
            dx = layer.backward(np.ones_like(x))
            assert_torch_grad(dx, ex, f"{what}.backward(dout) after forward(x) for x up to ±1e3", hint=hint)


# --- week2.sequential ------------------------------------------------------------


@check("week2.sequential", points=1)
def sequential_deeper_single_sample(sub, ref):
    """Check that a Sequential of three Dense layers and two activations composes them, with live parameters and aligned gradients, on a single sample."""
    check_composition(sub, [("Dense", (6, 5), {}), ("LeakyReLU", (), {"negative_slope": 0.1}), ("Dense", (5, 5), {}),
                            ("Sigmoid", (), {}), ("Dense", (5, 2), {})], n=1, seed=37, live=True)


@check("week2.sequential", points=1)
def sequential_gradients_follow_each_backward(sub, ref):
    """Check that gradients() called after a first and after a second backward returns that backward's gradients, not stale ones."""
    probe_sequential(sub)
    dense = [sub.layers.Dense(4, 3, sub.rng(42), _keep=True), sub.layers.Dense(3, 2, sub.rng(43), _keep=True)]
    what = "Sequential(Dense(4, 3), Tanh(), Dense(3, 2))"
    seq = sub.layers.Sequential(dense[0], sub.layers.Tanh(_keep=True), dense[1], _keep=True)
    owners = match_parameters(sub, seq, dense, what, seed=44)
    rng = np.random.default_rng(45)
    # gradients() is defined after a backward only: a Dense may have no grads before its first one.
    seq.forward(rng.normal(size=(5, 4)))
    seq.backward(rng.normal(size=(5, 2)))
    assert_gradients_aligned(seq, dense, owners, what, "after a first backward")
    seq.forward(rng.normal(size=(3, 4)))
    seq.backward(rng.normal(size=(3, 2)))
    assert_gradients_aligned(seq, dense, owners, what, "after a second forward and backward")


# --- week2.init ------------------------------------------------------------------


@check("week2.init", points=1)
def init_unequal_fans(sub, ref):
    """Check that he_init and xavier_init have the right mean and variance with very unequal fans, (50, 1200) and (1200, 50)."""
    for fan_in, fan_out in ((50, 1200), (1200, 50)):
        assert_he(sub, fan_in, fan_out, seed=46 + fan_in)
        assert_xavier(sub, fan_in, fan_out, seed=47 + fan_in)


def assert_independent(W, what):
    """Neighbouring entries (along rows and along columns) uncorrelated within `sigmas`/√n."""
    for axis, along in ((1, "within a row"), (0, "within a column")):
        a = np.take(W, np.arange(W.shape[axis] - 1), axis=axis).ravel()
        b = np.take(W, np.arange(1, W.shape[axis]), axis=axis).ravel()
        r = float(np.corrcoef(a, b)[0, 1])
        tol = correlation_bound(a.size, INIT["sigmas"])
        if not abs(r) <= tol:
            raise CheckFailed(f"neighbouring entries {along} of {what} have correlation {fmt(r)}, expected 0 ± "
                              f"{fmt(tol)}: draw every entry independently (e.g. rng.normal(0, std, size=(fan_in, "
                              "fan_out)), not one row or column repeated)")


@check("week2.init", points=1)
def init_randomness_from_rng_only(sub, ref):
    """Check that he_init and xavier_init draw only from rng: the same seed repeats a draw, a second call draws afresh, entries are independent."""
    for fn in ("he_init", "xavier_init"):
        W, what = draw(sub, fn, 150, 400, seed=48)
        again, _ = draw(sub, fn, 150, 400, seed=48)
        if not np.array_equal(W, again):
            raise CheckFailed(f"two calls of {what} with generators of the same seed gave different arrays: draw the "
                              "randomness only from the rng argument (not np.random or the clock)")
        rng = sub.rng(49)
        first = as_array(getattr(sub.layers, fn)(150, 400, rng), what)
        second = as_array(getattr(sub.layers, fn)(150, 400, rng), what)
        if np.array_equal(first, second):
            raise CheckFailed(f"two calls of {what} with the same generator gave the same array: draw from rng itself "
                              "(a new generator seeded inside the function repeats the same numbers)")
        assert_independent(W, what)
