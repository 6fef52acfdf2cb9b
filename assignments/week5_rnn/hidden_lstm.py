"""Hidden checks for lstm.py: float32 inputs, saturated gates (pre-activations up to about 20 in the
forward checks and 10 in the backward ones),
longer sequences (up to 25 steps), a single hidden unit; backward passes against torch's autograd
element by element (for the step: a gradient on h only, on c only and on both; through time: on
every step and on the last one only, float32 upstream gradients) and, on larger problems, against
directional derivatives."""

import numpy as np

from grader.backward import unpack
from grader.oracles import torch_vjp
from grader.registry import check

from .hidden_rnn import assert_against_autograd, float32, through_time_against_autograd
from .public_lstm import (assert_lstm_forward, assert_lstm_step_forward, check_lstm_backward,
                          check_lstm_step_backward, lstm_backward_mistakes, lstm_cache, lstm_problem,
                          lstm_step_backward_mistakes, lstm_step_cache, lstm_step_problem, lstm_step_t, lstm_t)
from .public_rnn import weight_shape_hints


# --- week5.lstm_step ------------------------------------------------------------------------


@check("week5.lstm_step", points=1)
def lstm_step_forward_float32_and_saturated(sub, ref):
    """Check that lstm_step_forward matches torch.nn.LSTMCell on float32 inputs, with saturated gates (|a| up to about 20), with one hidden unit and on a batch of 16 with 32 hidden units."""
    assert_lstm_step_forward(sub, *float32(lstm_step_problem(5, 6, 7, seed=160)))
    assert_lstm_step_forward(sub, *lstm_step_problem(4, 3, 5, seed=161, scale=4.0))
    assert_lstm_step_forward(sub, *lstm_step_problem(3, 4, 1, seed=162))
    assert_lstm_step_forward(sub, *lstm_step_problem(16, 20, 32, seed=163))


@check("week5.lstm_step", points=1)
def lstm_step_backward_matches_autograd(sub, ref):
    """Check that lstm_step_backward matches torch's autograd element by element with a gradient on h only, on c only and on both, with saturated gates and on float32 inputs, and passes directional derivative checks on a larger problem."""
    rng = np.random.default_rng(170)
    names = ("dx", "dh_prev", "dc_prev", "dWx", "dWh", "db")
    cases = ((lstm_step_problem(4, 3, 5, seed=171, scale=3.0), (1.0, 1.0), np.float64),
             (lstm_step_problem(3, 4, 3, seed=172, scale=1.5), (1.0, 0.0), np.float64),
             (lstm_step_problem(3, 4, 3, seed=173, scale=1.5), (0.0, 1.0), np.float64),
             (float32(lstm_step_problem(3, 5, 4, seed=174, scale=1.5)), (1.0, 1.0), np.float32))
    for args, (on_h, on_c), dtype in cases:
        x, h_prev = args[:2]
        N, H = h_prev.shape
        upstream = {(1.0, 1.0): "dh and dc", (1.0, 0.0): "dh only (dc = 0)", (0.0, 1.0): "dc only (dh = 0)"}[on_h, on_c]
        what = (f"lstm_step_backward(dh, dc, cache) (x of shape {x.shape}, h_prev of shape {h_prev.shape}, {x.dtype} "
                f"inputs, upstream {upstream})")
        cache = lstm_step_cache(sub, *args)
        v = (rng.normal(size=(N, 2 * H)) * np.repeat([on_h, on_c], H)).astype(dtype)
        got = unpack(sub.lstm.lstm_step_backward(v[:, :H], v[:, H:], cache), what, names)
        _, expected = torch_vjp(lstm_step_t, args, v)
        mistakes = lstm_step_backward_mistakes(*(np.asarray(a, dtype=np.float64) for a in args))
        assert_against_autograd(got, expected, names, what, lambda which: mistakes(v, which),
                                lambda which: weight_shape_hints(N, 4 * H, which, 5))
    check_lstm_step_backward(sub, *lstm_step_problem(16, 24, 16, seed=175, scale=2.0), full=False)


# --- week5.lstm --------------------------------------------------------------------------------


@check("week5.lstm", points=1)
def lstm_forward_float32_long_and_saturated(sub, ref):
    """Check that lstm_forward matches torch.nn.LSTM on float32 inputs over 25 steps, with saturated gates, and with one hidden unit."""
    assert_lstm_forward(sub, *float32(lstm_problem(4, 25, 5, 8, seed=180)))
    assert_lstm_forward(sub, *lstm_problem(3, 10, 4, 6, seed=181, scale=4.0))
    assert_lstm_forward(sub, *lstm_problem(5, 9, 3, 1, seed=182))


@check("week5.lstm", points=1)
def lstm_backward_matches_autograd(sub, ref):
    """Check that lstm_backward matches torch's autograd element by element over 12 steps (upstream gradients on every step and on the last one only, float64 and float32) and passes directional derivative checks on a longer, larger problem."""
    cases = ((lstm_problem(3, 12, 4, 5, seed=191, scale=1.5), False, np.float64),
             (lstm_problem(2, 12, 3, 4, seed=192, scale=1.5), True, np.float64),
             (float32(lstm_problem(3, 8, 4, 5, seed=193)), False, np.float32))
    through_time_against_autograd(sub, "lstm", lstm_t, lstm_cache, lstm_backward_mistakes, lambda H: 4 * H, cases,
                                  seed=190)
    check_lstm_backward(sub, *lstm_problem(4, 15, 8, 6, seed=194), full=False)
    check_lstm_backward(sub, *lstm_problem(4, 15, 8, 6, seed=195), last_only=True, full=False)
