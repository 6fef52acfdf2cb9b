"""Hidden checks for rnn.py: float32 inputs, saturated pre-activations (|a| up to about 20 in the
forward checks and 10 in the backward ones, where tanh′ is tiny), longer sequences (up to 25 steps), a single hidden unit; backward passes against
torch's autograd element by element (an upstream gradient on every step and on the last one only,
float32 upstream gradients) and, on larger problems, against directional derivatives; clipping
float32 arrays and many arrays at several thresholds."""

import numpy as np

from grader.backward import unpack
from grader.compare import as_array
from grader.oracles import torch_vjp
from grader.registry import CheckFailed, check

from .public_rnn import (GRAD_TOL, assert_clip, assert_rnn_forward, assert_rnn_step_forward, assert_values,
                         check_rnn_backward, check_rnn_step_backward, clip_problem, last_step_only,
                         rnn_backward_mistakes, rnn_cache, rnn_problem, rnn_step_backward_mistakes, rnn_step_cache,
                         rnn_step_problem, rnn_step_t, rnn_t, weight_shape_hints)


def float32(arrays):
    return tuple(np.asarray(a, dtype=np.float32) for a in arrays)


def assert_against_autograd(got, expected, names, what, mistakes, shape_hints):
    """Each output of a backward pass (`got`, a tuple already unpacked) against torch's autograd,
    element by element (this week's gradient tolerances, scale max(1, max|expected|))."""
    for which, name in enumerate(names):
        label = f"{name} of {what}"
        arr = as_array(got[which], label)
        hints = shape_hints(which)
        if arr.shape != expected[which].shape:
            raise CheckFailed(f"{label} has shape {arr.shape}, expected {expected[which].shape}."
                              + (" " + hints[arr.shape] if arr.shape in hints else ""))
        try:
            assert_values(arr, expected[which], label, rtol=GRAD_TOL["rtol"], atol=GRAD_TOL["atol"])
        except CheckFailed:  # again, with the known mistakes (computed only now: they take a while)
            assert_values(arr, expected[which], label, rtol=GRAD_TOL["rtol"], atol=GRAD_TOL["atol"],
                          mistakes=mistakes(which))


# --- week5.rnn_step -----------------------------------------------------------------------


@check("week5.rnn_step", points=1)
def rnn_step_forward_float32_and_saturated(sub, ref):
    """Check that rnn_step_forward matches torch.nn.RNNCell on float32 inputs, with saturated pre-activations (|a| up to about 15) and on a batch of 16 with 32 hidden units."""
    assert_rnn_step_forward(sub, *float32(rnn_step_problem(5, 6, 7, seed=110)))
    assert_rnn_step_forward(sub, *rnn_step_problem(4, 3, 5, seed=111, scale=4.0))
    assert_rnn_step_forward(sub, *rnn_step_problem(16, 20, 32, seed=112))


@check("week5.rnn_step", points=1)
def rnn_step_backward_matches_autograd(sub, ref):
    """Check that rnn_step_backward matches torch's autograd element by element with saturated pre-activations and on float32 inputs, and passes directional derivative checks on a larger problem."""
    rng = np.random.default_rng(120)
    for k, (args, dtype) in enumerate(((rnn_step_problem(5, 4, 6, seed=121, scale=3.0), np.float64),
                                       (float32(rnn_step_problem(3, 5, 4, seed=122, scale=1.5)), np.float32))):
        x, h_prev, Wx, Wh, b = args
        what = f"rnn_step_backward(dh, cache) (x of shape {x.shape}, h_prev of shape {h_prev.shape}, {x.dtype} inputs)"
        cache = rnn_step_cache(sub, *args)
        v = rng.normal(size=h_prev.shape).astype(dtype)
        got = unpack(sub.rnn.rnn_step_backward(v, cache), what, ("dx", "dh_prev", "dWx", "dWh", "db"))
        _, expected = torch_vjp(rnn_step_t, args, v)
        mistakes = rnn_step_backward_mistakes(*(np.asarray(a, dtype=np.float64) for a in args))
        assert_against_autograd(got, expected, ("dx", "dh_prev", "dWx", "dWh", "db"), what,
                                lambda which: mistakes(v, which),
                                lambda which: weight_shape_hints(x.shape[0], h_prev.shape[1], which, 4))
    check_rnn_step_backward(sub, *rnn_step_problem(16, 24, 32, seed=123, scale=2.0), full=False)


# --- week5.rnn ------------------------------------------------------------------------------


@check("week5.rnn", points=1)
def rnn_forward_float32_long_and_saturated(sub, ref):
    """Check that rnn_forward matches torch.nn.RNN on float32 inputs over 25 steps, with saturated pre-activations, and with one hidden unit."""
    assert_rnn_forward(sub, *float32(rnn_problem(4, 25, 5, 8, seed=130)))
    assert_rnn_forward(sub, *rnn_problem(3, 10, 4, 6, seed=131, scale=4.0))
    assert_rnn_forward(sub, *rnn_problem(5, 9, 3, 1, seed=132))


def through_time_against_autograd(sub, layer, oracle_t, cache_of, mistakes_of, width, cases, seed):
    """The student's ``<layer>_backward`` ("rnn" or "lstm") against torch's autograd of `oracle_t`,
    element by element, for each (args, last_only, dtype) of `cases`: a random upstream gradient of
    that dtype on every hidden state or on the last one only; the cache from ``cache_of(sub, *args)``
    (the student's forward), the known bugs from `mistakes_of`, weights of `width` (H or 4H) columns."""
    rng = np.random.default_rng(seed)
    names = ("dx", "dh0", "dWx", "dWh", "db")
    backward_fn = getattr(getattr(sub, layer), f"{layer}_backward")
    for args, last_only, dtype in cases:
        x, h0 = args[:2]
        N, T, _ = x.shape
        H = h0.shape[1]
        upstream = "on the last hidden state only (zeros elsewhere)" if last_only else "on every hidden state"
        what = f"{layer}_backward(dh, cache) (T = {T} steps, x of shape {x.shape}, {x.dtype} inputs, dh {upstream})"
        cache = cache_of(sub, *args)
        v = rng.normal(size=(N, H) if last_only else (N, T, H)).astype(dtype)
        dh = last_step_only(v, T).astype(dtype) if last_only else v
        got = unpack(backward_fn(dh, cache), what, names)
        _, expected = torch_vjp(oracle_t, args, dh)
        mistakes = mistakes_of(*(np.asarray(a, dtype=np.float64) for a in args))
        assert_against_autograd(got, expected, names, what, lambda which: mistakes(dh, which),
                                lambda which: weight_shape_hints(N, width(H), which, 4))


@check("week5.rnn", points=1)
def rnn_backward_matches_autograd(sub, ref):
    """Check that rnn_backward matches torch's autograd element by element over 12 steps (upstream gradients on every step and on the last one only, float64 and float32) and passes directional derivative checks on a longer, larger problem."""
    cases = ((rnn_problem(3, 12, 4, 5, seed=141, scale=1.5), False, np.float64),
             (rnn_problem(2, 12, 3, 6, seed=142, scale=1.5), True, np.float64),
             (float32(rnn_problem(3, 8, 4, 5, seed=143)), False, np.float32))
    through_time_against_autograd(sub, "rnn", rnn_t, rnn_cache, rnn_backward_mistakes, lambda H: H, cases, seed=140)
    check_rnn_backward(sub, *rnn_problem(4, 15, 8, 10, seed=144), full=False)
    check_rnn_backward(sub, *rnn_problem(4, 15, 8, 10, seed=145), last_only=True, full=False)


# --- week5.clip ----------------------------------------------------------------------------


@check("week5.clip", points=1)
def clip_float32_and_many_arrays(sub, ref):
    """Check that clip_grad_norm matches torch.nn.utils.clip_grad_norm_ on float32 arrays (scaled in place, staying float32), on many arrays of mixed sizes, and at several thresholds above and below the total norm."""
    shapes = [(16, 32), (32,), (32, 8), (8,), (1,), (3, 4, 5), (100,)]
    assert_clip(sub, clip_problem(shapes, total=123.0, seed=150, dtype=np.float32), max_norm=5.0)
    assert_clip(sub, clip_problem(shapes, total=0.03, seed=151, dtype=np.float32), max_norm=0.1)
    assert_clip(sub, clip_problem([(2, 2)] * 12, total=3.0, seed=152), max_norm=2.0)
    assert_clip(sub, clip_problem([(50, 40)], total=2.5e3, seed=153), max_norm=0.25)
