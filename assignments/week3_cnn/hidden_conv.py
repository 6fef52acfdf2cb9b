"""Hidden checks for conv.py: every combination of stride, padding and kernel shape
(1×1, the whole image, windows dropped by the floor), larger batches and float32
inputs for the forward passes; backward passes against torch's autograd element by
element and, on larger inputs, against directional derivatives; max pooling with
ties, overlapping windows and windows that skip pixels."""

import numpy as np
import torch.nn.functional as F

from grader.backward import cache_from_forward, unpack
from grader.compare import as_array
from grader.oracles import torch_vjp
from grader.registry import CheckFailed, check

from .public_conv import (GRAD_TOL, assert_conv_forward, assert_maxpool_forward, assert_values, check_conv_backward,
                          check_maxpool_backward, conv_backward_mistakes, conv_problem, conv_shape_hints,
                          distinct_values, maxpool_mistakes, t64)

# (N, C, H, W, F, KH, KW), stride, padding
SETTINGS = [
    ((1, 1, 5, 5, 1, 1, 1), 1, 0),  # a 1×1 kernel
    ((2, 3, 9, 7, 2, 5, 3), 3, 2),  # stride 3, padding 2, a tall kernel
    ((3, 4, 8, 11, 5, 2, 4), 2, 0),  # a wide kernel; the last row and column are dropped (floor)
    ((2, 2, 4, 4, 3, 4, 4), 1, 0),  # the kernel covers the whole image: a 1×1 output
    ((1, 2, 5, 6, 2, 3, 3), 1, 3),  # padding wider than half the kernel
]


def autograd_grads(x, w, b, stride, padding, v):
    return tuple(torch_vjp(lambda xt, wt, bt: F.conv2d(xt, wt, bt, stride=stride, padding=padding), (x, w, b), v)[1])


# --- week3.conv_forward -------------------------------------------------------------------


@check("week3.conv_forward", points=2)
def conv_forward_all_settings(sub, ref):
    """Check that conv2d_forward matches torch for 1×1 kernels, stride 3, wide padding, dropped windows and a 1×1 output."""
    for k, (shape, stride, padding) in enumerate(SETTINGS):
        assert_conv_forward(sub, *conv_problem(*shape, seed=110 + k), stride, padding)


@check("week3.conv_forward", points=1)
def conv_forward_larger_and_float32(sub, ref):
    """Check that conv2d_forward matches torch on a batch of 8 images with 16 channels and 32 filters, and on float32 inputs."""
    x, w, b = conv_problem(8, 16, 16, 16, 32, 3, 3, seed=120)
    assert_conv_forward(sub, x, w, b, 1, 1)
    x, w, b = (a.astype(np.float32) for a in conv_problem(2, 3, 10, 9, 4, 3, 3, seed=121))
    assert_conv_forward(sub, x, w, b, 2, 1)


# --- week3.conv_backward ------------------------------------------------------------------


@check("week3.conv_backward", points=2)
def conv_backward_matches_autograd(sub, ref):
    """Check that conv2d_backward matches torch's autograd element by element for every stride, padding and kernel shape."""
    rng = np.random.default_rng(130)
    for k, (shape, stride, padding) in enumerate(SETTINGS):
        x, w, b = conv_problem(*shape, seed=130 + k)
        setting = f"stride={stride}, padding={padding}, x of shape {x.shape}, w of shape {w.shape}"
        what = f"conv2d_backward(dout, cache) ({setting})"
        cache = cache_from_forward(lambda: sub.conv.conv2d_forward(x, w, b, stride=stride, padding=padding),
                                   lambda: sub.conv.conv2d_backward(np.zeros((1, 1, 1, 1)), None),
                                   "conv2d_backward", "conv2d_forward", "week3.conv_forward")
        out_shape = F.conv2d(t64(x), t64(w), t64(b), stride=stride, padding=padding).shape
        v = rng.normal(size=tuple(out_shape))
        got = unpack(sub.conv.conv2d_backward(v, cache), what, ("dx", "dw", "db"))
        expected = autograd_grads(x, w, b, stride, padding, v)
        mistakes = conv_backward_mistakes(x, w, b, stride, padding)
        for which, name in enumerate(("dx", "dw", "db")):
            label = f"{name} of {what}"
            arr = as_array(got[which], label)
            hints = conv_shape_hints(x, padding, which)
            if arr.shape != expected[which].shape:
                raise CheckFailed(f"{label} has shape {arr.shape}, expected {expected[which].shape}."
                                  + (" " + hints[arr.shape] if arr.shape in hints else ""))
            assert_values(arr, expected[which], label, rtol=GRAD_TOL["rtol"], atol=GRAD_TOL["atol"],
                          mistakes=mistakes(v, which))


@check("week3.conv_backward", points=1)
def conv_backward_larger_directional(sub, ref):
    """Check that conv2d_backward passes directional derivative checks on a larger problem (stride 2, padding 1)."""
    check_conv_backward(sub, *conv_problem(4, 8, 12, 10, 6, 3, 3, seed=140), stride=2, padding=1, full=False)


# --- week3.maxpool -------------------------------------------------------------------------


def maxpool_against_autograd(sub, x, kernel, stride, seed):
    """maxpool2d_backward for a random dout, element by element against torch's autograd."""
    cache = assert_maxpool_forward(sub, x, kernel, stride)
    def pool(xt):
        return F.max_pool2d(xt, kernel, stride)

    v = np.random.default_rng(seed).normal(size=tuple(pool(t64(x)).shape))
    _, (expected,) = torch_vjp(pool, (x,), v)
    what = f"maxpool2d_backward(dout, cache) for kernel={kernel}, stride={stride}, x of shape {x.shape}"
    dx = sub.conv.maxpool2d_backward(v, cache)
    assert_values(dx, expected, what, rtol=GRAD_TOL["rtol"], atol=GRAD_TOL["atol"],
                  mistakes=maxpool_mistakes(x, kernel, stride)(v),
                  hint="Each dout[n, c, i, j] goes to the first maximum of its window (row by row), nowhere else.")


@check("week3.maxpool", points=2)
def maxpool_ties_go_to_first_maximum(sub, ref):
    """Check that with tied maxima the gradient goes to the first maximum in row-major window order, as in torch."""
    rng = np.random.default_rng(150)
    maxpool_against_autograd(sub, rng.integers(0, 3, size=(2, 3, 6, 8)).astype(float), 2, 2, seed=151)
    maxpool_against_autograd(sub, rng.integers(0, 2, size=(2, 2, 7, 7)).astype(float), 3, 2, seed=152)


@check("week3.maxpool", points=1)
def maxpool_overlapping_windows_accumulate(sub, ref):
    """Check that a pixel that is the maximum of several overlapping windows receives the sum of their gradients."""
    maxpool_against_autograd(sub, distinct_values((2, 2, 6, 7), seed=160), 3, 1, seed=161)
    maxpool_against_autograd(sub, distinct_values((1, 3, 9, 9), seed=162), 4, 2, seed=163)


@check("week3.maxpool", points=1)
def maxpool_larger_and_strides_past_the_kernel(sub, ref):
    """Check that max pooling is right on a larger batch (directional check), with a 1×1 kernel and with windows that skip pixels (stride > kernel)."""
    rng = np.random.default_rng(170)
    for shape, kernel, stride in (((2, 3, 5, 4), 1, 1), ((2, 2, 8, 9), 2, 3), ((4, 8, 17, 16), 3, 3)):
        assert_maxpool_forward(sub, rng.normal(size=shape), kernel, stride)
    check_maxpool_backward(sub, distinct_values((2, 2, 8, 9), seed=171), kernel=2, stride=3)
    check_maxpool_backward(sub, distinct_values((4, 8, 16, 16), seed=172, spacing=0.01), kernel=2, stride=2,
                           full=False)
