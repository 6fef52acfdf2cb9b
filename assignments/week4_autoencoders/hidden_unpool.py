"""Hidden checks for unpool.py: the transposed convolution with every combination of stride,
padding and kernel shape (1×1, strides past the kernel that leave gaps only the bias reaches,
padding as wide as the kernel allows), a larger batch and float32 inputs; its backward pass
against torch's autograd element by element and, on a larger input, against directional
derivatives. Max unpooling after overlapping 3×3 windows (two pooled values sharing an index),
with output_size, on float32 values and a larger batch; its backward against torch's autograd
(a gather, shared indices included)."""

import numpy as np
import torch
import torch.nn.functional as F

from grader.backward import unpack
from grader.compare import as_array
from grader.oracles import torch_vjp
from grader.registry import CheckFailed, check

from .public_unpool import (GRAD_TOL, assert_convt_forward, assert_unpool_forward, assert_values,
                            check_convt_backward, check_unpool_backward, convt_backward_mistakes, convt_cache,
                            convt_problem, convt_shape_hints, distinct_values, pooled, torch_convt, torch_unpool,
                            unpool_backward_mistakes, unpool_problem, unpool_shape_hints)

# (N, C_in, H, W, C_out, KH, KW), stride, padding
SETTINGS = [
    ((2, 4, 3, 3, 4, 3, 3), 2, 1),  # C_in = C_out (a swapped channel axis shows in the values)
    ((1, 1, 4, 4, 1, 1, 1), 1, 0),  # a 1×1 kernel
    ((2, 3, 3, 5, 2, 5, 3), 3, 2),  # stride 3, padding 2, a tall kernel
    ((2, 2, 4, 3, 4, 2, 4), 2, 1),  # a wide kernel, stride = KH: no overlap along the rows
    ((1, 2, 2, 3, 3, 2, 2), 3, 0),  # stride > kernel: rows and columns only the bias reaches
    ((1, 3, 1, 1, 2, 4, 3), 2, 1),  # a 1×1 input: the kernel itself, cut
]


# --- week4.conv_transpose -----------------------------------------------------------------


@check("week4.conv_transpose", points=1)
def conv_transpose_forward_all_settings(sub, ref):
    """Check that conv_transpose2d_forward matches torch for 1×1 kernels and inputs, strides past the kernel, wide padding, a batch of 8 with 16 channels, and float32 inputs."""
    for k, (shape, stride, padding) in enumerate(SETTINGS):
        assert_convt_forward(sub, *convt_problem(*shape, seed=110 + k), stride, padding)
    assert_convt_forward(sub, *convt_problem(8, 16, 8, 8, 8, 4, 4, seed=120), 2, 1)
    x, w, b = (a.astype(np.float32) for a in convt_problem(2, 3, 5, 4, 2, 3, 3, seed=121))
    assert_convt_forward(sub, x, w, b, 2, 1)


def autograd_grads(x, w, b, stride, padding, v):
    return tuple(torch_vjp(lambda xt, wt, bt: F.conv_transpose2d(xt, wt, bt, stride=stride, padding=padding),
                           (x, w, b), v)[1])


@check("week4.conv_transpose", points=1)
def conv_transpose_backward_matches_autograd(sub, ref):
    """Check that conv_transpose2d_backward matches torch's autograd element by element for every stride, padding and kernel shape, and passes directional derivative checks on a larger problem."""
    rng = np.random.default_rng(130)
    for k, (shape, stride, padding) in enumerate(SETTINGS):
        x, w, b = convt_problem(*shape, seed=130 + k)
        setting = f"stride={stride}, padding={padding}, x of shape {x.shape}, w of shape {w.shape}"
        what = f"conv_transpose2d_backward(dout, cache) ({setting})"
        cache = convt_cache(sub, x, w, b, stride, padding)
        v = rng.normal(size=torch_convt(x, w, b, stride, padding).shape)
        got = unpack(sub.unpool.conv_transpose2d_backward(v, cache), what, ("dx", "dw", "db"))
        expected = autograd_grads(x, w, b, stride, padding, v)
        mistakes = convt_backward_mistakes(x, w, b, stride, padding)
        for which, name in enumerate(("dx", "dw", "db")):
            label = f"{name} of {what}"
            arr = as_array(got[which], label)
            hints = convt_shape_hints(w, which)
            if arr.shape != expected[which].shape:
                raise CheckFailed(f"{label} has shape {arr.shape}, expected {expected[which].shape}."
                                  + (" " + hints[arr.shape] if arr.shape in hints else ""))
            assert_values(arr, expected[which], label, rtol=GRAD_TOL["rtol"], atol=GRAD_TOL["atol"],
                          mistakes=mistakes(v, which))
    check_convt_backward(sub, *convt_problem(4, 6, 6, 5, 4, 4, 3, seed=140), stride=2, padding=1, full=False)


# --- week4.max_unpool ---------------------------------------------------------------------


def shared_maxima_problem(shape, seed):
    """(x, indices) of 3×3 stride-2 max pooling where the pixels that four windows share hold the
    largest values: most pooled values share their index with a neighbour (and its value)."""
    image = distinct_values(shape, seed)
    image[:, :, 2:-1:2, 2:-1:2] += 10.0
    x, indices = pooled(image, 3, 2)
    N, C = shape[:2]
    assert any(len(set(indices[n, c].ravel())) < indices[n, c].size for n in range(N) for c in range(C)), \
        "grader: this check needs shared indices"
    return x, indices


@check("week4.max_unpool", points=1)
def max_unpool_forward_overlapping_windows(sub, ref):
    """Check that max_unpool2d matches torch after overlapping 3×3 windows (pooled values sharing an index), with output_size, on float32 values and on a batch of 8 with 16 channels."""
    x, idx = shared_maxima_problem((2, 3, 9, 7), seed=150)
    assert_unpool_forward(sub, x, idx, 3, 2)
    x, idx = shared_maxima_problem((1, 2, 8, 10), seed=151)  # pooled to 3×4: the default is 7×9
    assert_unpool_forward(sub, x, idx, 3, 2, output_size=(8, 10))
    x, idx = unpool_problem((2, 2, 6, 7), 2, 2, seed=152)
    assert_unpool_forward(sub, x.astype(np.float32), idx, 2, 2, output_size=(6, 7))
    x, idx = unpool_problem((8, 16, 16, 16), 2, 2, seed=153)
    assert_unpool_forward(sub, x, idx, 2, 2)
    x, idx = unpool_problem((1, 1, 2, 2), 2, 2, seed=154)  # one window: a 1×1 input
    assert_unpool_forward(sub, x, idx, 2, 2)


def unpool_against_autograd(sub, x, indices, kernel, stride, output_size, seed, dtype=np.float64):
    """max_unpool2d_backward for a random dout (of `dtype`), element by element against torch's autograd."""
    plane = torch_unpool(x, indices, kernel, stride, output_size).shape
    v = np.random.default_rng(seed).normal(size=plane).astype(dtype)
    idx_t = torch.as_tensor(indices, dtype=torch.int64)
    _, (expected,) = torch_vjp(lambda xt: F.max_unpool2d(xt, idx_t, kernel, stride, output_size=output_size), (x,), v)
    what = (f"max_unpool2d_backward(dout, indices) for kernel={kernel}, stride={stride}, dout of shape {v.shape} "
            f"and dtype {v.dtype}, indices of shape {indices.shape}")
    dx = as_array(sub.unpool.max_unpool2d_backward(v, indices), what)
    hints = unpool_shape_hints(indices, plane[2:])
    if dx.shape != expected.shape:
        raise CheckFailed(f"{what} has shape {dx.shape}, expected {expected.shape}."
                          + (" " + hints[dx.shape] if dx.shape in hints else ""))
    assert_values(dx, expected, what, rtol=GRAD_TOL["rtol"], atol=GRAD_TOL["atol"],
                  mistakes=unpool_backward_mistakes(indices)(v),
                  hint="Expected dx[n, c, i, j] = dout[n, c].flat[indices[n, c, i, j]]: two values that share an "
                       "index both get the gradient at that position.")


@check("week4.max_unpool", points=1)
def max_unpool_backward_matches_autograd(sub, ref):
    """Check that max_unpool2d_backward gathers dout as torch's autograd does, shared indices included, on float32 dout, and passes directional derivative checks on a larger batch."""
    x, idx = shared_maxima_problem((2, 3, 9, 7), seed=160)
    unpool_against_autograd(sub, x, idx, 3, 2, None, seed=161)
    x, idx = shared_maxima_problem((1, 2, 8, 10), seed=162)
    unpool_against_autograd(sub, x, idx, 3, 2, (8, 10), seed=163, dtype=np.float32)
    x, idx = unpool_problem((4, 8, 16, 15), 2, 2, seed=164)
    check_unpool_backward(sub, x, idx, 2, 2, output_size=(16, 15), full=False)
