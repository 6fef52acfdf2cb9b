"""Public checks for unpool.py: the transposed convolution and max unpooling against PyTorch's
torch.nn.functional (float64), and their backward passes against the grader's own numerical
differentiation of those functions.

As in week 3, conv_transpose2d_forward returns ``(out, cache)``; the cache is the student's own
business and comes back unchanged to conv_transpose2d_backward. Backward passes are judged as
vector–Jacobian products: for a random upstream gradient v, the backward must return Jᵀv for
every input, which the grader computes by differentiating its own float64 function numerically
(numdifftools, small inputs) or along random directions (larger inputs).

Max unpooling is judged on the indices that F.max_pool2d(..., return_indices=True) gives (flat
positions in each channel's H_out × W_out plane) and on the pooled values themselves: where
overlapping windows share their maximum, two pooled values carry the same index and the same
value, so the order of the writes does not matter.
"""

import numpy as np
import torch
import torch.nn.functional as F

from grader import backward as backward_pass
from grader.backward import Backward, cache_from_forward, unpack
from grader.compare import as_array
from grader.oracles import assert_close_scaled, t64, torch_vjp
from grader.registry import CheckFailed, check, load_rubric

RUBRIC = load_rubric(__file__)
TOL = RUBRIC["unpool"]
GRAD_TOL = RUBRIC["unpool_gradients"]

# An element fails when |got − expected| > atol·max(1, max|expected|) + rtol·|expected|.
assert_values = assert_close_scaled


def assert_backward(f, x, backward, **kwargs):
    """`grader.backward.assert_backward` with this exercise's gradient tolerances."""
    backward_pass.assert_backward(f, x, backward, rtol=GRAD_TOL["rtol"], atol=GRAD_TOL["atol"], **kwargs)


# --- transposed convolution --------------------------------------------------------------


def convt_problem(N, C_in, H, W, C_out, KH, KW, seed):
    """x (N, C_in, H, W), w (C_in, C_out, KH, KW) and b (C_out,), standard normal."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, C_in, H, W)), rng.normal(size=(C_in, C_out, KH, KW)), rng.normal(size=C_out)


def convt_size(n, k, stride, padding):
    """(n − 1)·stride − 2·padding + k: the transposed convolution's output size along one axis."""
    return (n - 1) * stride - 2 * padding + k


def torch_convt(x, w, b, stride, padding):
    return F.conv_transpose2d(t64(x), t64(w), t64(b), stride=stride, padding=padding).numpy()


def torch_conv2d_instead(x, w, b, stride, padding):
    """What conv2d of x with w's channel axes in conv2d's order gives, or None where the shapes differ."""
    (H, W), (KH, KW) = x.shape[2:], w.shape[2:]
    if min(H + 2 * padding - KH, W + 2 * padding - KW) < 0:
        return None
    return F.conv2d(t64(x), t64(w).transpose(0, 1), t64(b), stride=stride, padding=padding).numpy()


def convt_shape_message(got, x, w, stride, padding):
    """Why the output of conv_transpose2d_forward has the wrong shape, in words."""
    (N, C_in, H, W), (_, C_out, KH, KW) = x.shape, w.shape
    s, p = stride, padding
    want = (N, C_out, convt_size(H, KH, s, p), convt_size(W, KW, s, p))
    msg = (f"has shape {got}, expected (N, C_out, H_out, W_out) = {want} with "
           f"H_out = (H − 1)·stride − 2·padding + KH and W_out = (W − 1)·stride − 2·padding + KW")

    def spatial(dh, dw=None):
        return (N, C_out, convt_size(H, KH, s, p) + dh, convt_size(W, KW, s, p) + (dh if dw is None else dw))

    explanations = []
    if C_in != C_out:
        explanations.append(((N, C_in) + want[2:], "yours has C_in channels: is w read as (C_out, C_in, KH, KW), "
                             "conv2d's layout? conv_transpose2d's w is (C_in, C_out, KH, KW)"))
    if p > 0:
        explanations += [
            (spatial(4 * p), "yours is the shape with the padding added instead of cut off: the transposed "
                             "convolution cuts `padding` rows and columns off each side of its full output"),
            ((N, C_out, (H + 2 * p - 1) * s + KH, (W + 2 * p - 1) * s + KW),
             "yours is the shape for the input padded as conv2d pads it: this is the padding added instead of cut "
             "off; the transposed convolution cuts `padding` rows and columns off each side of its full output"),
            (spatial(2 * p), f"yours is the shape of the full output: is padding={p} cut off each side?"),
            (spatial(p), f"yours is {p} row(s) and column(s) too large: is the padding cut off one side only?"),
        ]
    if s > 1:
        explanations.append(((N, C_out, convt_size(H, KH, 1, p), convt_size(W, KW, 1, p)),
                             f"yours is the shape for stride 1: is stride={s} applied (windows of neighbouring "
                             f"input pixels {s} apart)?"))
    if min(H + 2 * p - KH, W + 2 * p - KW) >= 0:
        explanations.append(((N, C_out, (H + 2 * p - KH) // s + 1, (W + 2 * p - KW) // s + 1),
                             "yours is the shape conv2d gives: the transposed convolution goes the other way, each "
                             "input pixel spreading over a KH×KW window of the (larger) output"))
    for shape, why in explanations:
        if tuple(got) == shape:
            return f"{msg}; {why}."
    return msg + "."


def assert_convt_forward(sub, x, w, b, stride, padding):
    """The student's conv_transpose2d_forward against F.conv_transpose2d; returns the cache."""
    what = (f"conv_transpose2d_forward(x, w, b, stride={stride}, padding={padding}) for x of shape {x.shape} "
            f"and w of shape {w.shape}")
    out, cache = unpack(sub.unpool.conv_transpose2d_forward(x, w, b, stride=stride, padding=padding), what,
                        ("out", "cache"))
    expected = torch_convt(x, w, b, stride, padding)
    got = as_array(out, f"the output of {what}")
    if got.shape != expected.shape:
        raise CheckFailed(f"the output of {what} {convt_shape_message(got.shape, x, w, stride, padding)}")
    mistakes = {}
    if w.shape[0] == w.shape[1]:
        mistakes["reading w as (C_out, C_in, KH, KW), conv2d's layout (w's channel axes swapped; "
                 "conv_transpose2d's w is (C_in, C_out, KH, KW))"] = torch_convt(x, w.transpose(1, 0, 2, 3), b,
                                                                                stride, padding)
    mistakes["computing conv2d (a cross-correlation of x with w) instead of the transposed convolution, "
             "which spreads each input pixel over a window of the output"] = torch_conv2d_instead(x, w, b, stride,
                                                                                                  padding)
    mistakes["flipping the kernel by 180°"] = torch_convt(x, w[:, :, ::-1, ::-1], b, stride, padding)
    mistakes["leaving out the bias"] = expected - b[None, :, None, None]
    if padding > 0:
        H_out, W_out = expected.shape[2:]
        mistakes["cutting the 2·padding rows and columns off the bottom and the right only (padding is cut off "
                 "each side: full[:, :, p:p + H_out, p:p + W_out])"] = \
            torch_convt(x, w, b, stride, 0)[:, :, :H_out, :W_out]
    assert_values(got, expected, f"the output of {what}", rtol=TOL["rtol"], atol=TOL["atol"], mistakes=mistakes,
                  hint="Expected each x[n, c, i, j]·w[c, f] added to output channel f's KH×KW window at "
                       "(i·stride − padding, j·stride − padding), plus b[f].")
    return cache


def convt_backward_mistakes(x, w, b, stride, padding):
    """For upstream gradient v: the gradients common mistakes give, by argument (0: x, 1: w, 2: b)."""
    (_, _, H, W), (C_in, C_out, KH, KW) = x.shape, w.shape

    def grads(v, w_used=w):
        return torch_vjp(lambda x_, w_, b_: F.conv_transpose2d(x_, w_, b_, stride=stride, padding=padding),
                         (x, w_used, b), v)[1]

    def ignoring_stride(v):
        """The windows of the input pixels taken 1 pixel apart in dout instead of `stride`."""
        dfull = np.pad(v, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
        windows = np.lib.stride_tricks.sliding_window_view(dfull, (KH, KW), axis=(2, 3))[:, :, :H, :W]
        return (np.einsum("nfhwrc,kfrc->nkhw", windows, w), np.einsum("nfhwrc,nkhw->kfrc", windows, x))

    def mistakes(v, which):
        right = grads(v)
        out = {}
        if which == 0:
            out["dx computed with the kernel rotated by 180° (dx is a cross-correlation of dout with w)"] = \
                grads(v, w_used=w[:, :, ::-1, ::-1].copy())[0]
        if which == 1:
            out["dw rotated by 180°"] = right[1][:, :, ::-1, ::-1]
        if which in (0, 1) and C_in == C_out:
            swapped = w.transpose(1, 0, 2, 3).copy()
            out["w's channel axes swapped (w read as (C_out, C_in, KH, KW); it is (C_in, C_out, KH, KW))"] = \
                grads(v, w_used=swapped)[0] if which == 0 else right[1].transpose(1, 0, 2, 3)
        if which in (0, 1) and stride > 1:
            out[f"ignoring the stride in the backward pass (the windows of neighbouring input pixels taken 1 pixel "
                f"apart in dout instead of {stride})"] = ignoring_stride(v)[which]
        if which == 2:
            out["forgetting the bias gradient (db = 0)"] = np.zeros_like(b)
            out["db averaged instead of summed over the batch and the positions"] = right[2] / (v.size / v.shape[1])
            out["db summed over the positions but not over the batch (only the first example)"] = \
                v[0].sum(axis=(1, 2))
        return out

    return mistakes


def convt_shape_hints(w, which):
    """Shapes a wrong dw typically has, with what they mean."""
    C_in, C_out, KH, KW = w.shape
    if which == 1 and C_in != C_out:
        return {(C_out, C_in, KH, KW): "That is (C_out, C_in, KH, KW): dw has w's shape, (C_in, C_out, KH, KW), "
                                       "input channels first (is w read as conv2d's (C_out, C_in, KH, KW)?)."}
    return {}


def convt_cache(sub, x, w, b, stride, padding):
    """The cache of the student's conv_transpose2d_forward, for judging the backward pass."""
    return cache_from_forward(lambda: sub.unpool.conv_transpose2d_forward(x, w, b, stride=stride, padding=padding),
                              lambda: sub.unpool.conv_transpose2d_backward(np.zeros((1, 1, 1, 1)), None),
                              "conv_transpose2d_backward", "conv_transpose2d_forward", "week4.conv_transpose")


def check_convt_backward(sub, x, w, b, stride, padding, full=True):
    """The student's conv_transpose2d_backward against the grader's numerical differentiation of
    F.conv_transpose2d, for x, w and b in turn (the cache comes from the student's forward)."""
    setting = f"stride={stride}, padding={padding}, x of shape {x.shape}, w of shape {w.shape}"
    what = f"conv_transpose2d_backward(dout, cache) ({setting})"
    cache = convt_cache(sub, x, w, b, stride, padding)
    mistakes = convt_backward_mistakes(x, w, b, stride, padding)
    funcs = (lambda x_: torch_convt(x_, w, b, stride, padding),
             lambda w_: torch_convt(x, w_, b, stride, padding),
             lambda b_: torch_convt(x, w, b_, stride, padding))
    for which, (arg, value) in enumerate(zip("xwb", (x, w, b))):
        backward = Backward(lambda v: sub.unpool.conv_transpose2d_backward(v, cache), what, ("dx", "dw", "db"), which)
        assert_backward(funcs[which], value, backward, name=f"conv_transpose2d ({setting})", arg=arg, full=full,
                        mistakes=lambda v, which=which: mistakes(v, which), shape_hints=convt_shape_hints(w, which))


# --- max unpooling -------------------------------------------------------------------------


def distinct_values(shape, seed, spacing=0.05):
    """An array whose values are all different, at least `spacing` apart, in random places."""
    n = int(np.prod(shape))
    return ((np.random.default_rng(seed).permutation(n) - n / 2) * spacing).reshape(shape)


def pooled(image, kernel, stride):
    """(values, indices) of F.max_pool2d(image, kernel, stride, return_indices=True), as NumPy arrays."""
    values, indices = F.max_pool2d(t64(image), kernel, stride, return_indices=True)
    return values.numpy(), indices.numpy()


def unpool_problem(shape, kernel, stride, seed, within=None):
    """(x, indices): the max pooling of distinct values of `shape` (N, C, H, W). With `within`
    (a number of positions), every maximum lies at a flat position below it (the positions at or
    past it hold the smallest values)."""
    image = distinct_values(shape, seed)
    if within is not None:
        H, W = shape[2:]
        past = (np.arange(H * W) >= within).reshape(H, W)
        image = image - 10.0 * image.size * past
    x, indices = pooled(image, kernel, stride)
    assert within is None or indices.max() < within, "grader: the maxima are not where this check needs them"
    return x, indices


def default_size(h, w, kernel, stride):
    return (h - 1) * stride + kernel, (w - 1) * stride + kernel


def torch_unpool(x, indices, kernel, stride, output_size=None):
    return F.max_unpool2d(t64(x), torch.as_tensor(indices, dtype=torch.int64), kernel, stride,
                          output_size=output_size).numpy()


def unpool_mistakes(x, indices, plane):
    """What writing x at `indices` read as positions in a larger flattened array gives: the whole
    batch (N, C, H_out, W_out) or one example (C, H_out, W_out). `plane`: (H_out, W_out)."""
    N, C = x.shape[:2]
    size = int(np.prod(plane))
    batch = np.zeros(N * C * size)
    batch[indices.ravel()] = x.ravel()
    example = np.zeros((N, C * size))
    for n in range(N):
        example[n, indices[n].ravel()] = x[n].ravel()
    return {
        "indices read as positions in the flattened (N, C, H_out, W_out) array (they are flat positions in each "
        "channel's own H_out × W_out plane)": batch.reshape(N, C, *plane),
        "indices read as positions in each example's flattened (C, H_out, W_out) array (they are flat positions in "
        "each channel's own H_out × W_out plane)": example.reshape(N, C, *plane),
    }


def unpool_shape_message(got, x, kernel, stride, output_size):
    """Why the output of max_unpool2d has the wrong shape, in words."""
    N, C, h, w = x.shape
    default = default_size(h, w, kernel, stride)
    want = (N, C) + (tuple(output_size) if output_size is not None else default)
    got = tuple(got)
    if output_size is None:
        msg = (f"has shape {got}, expected (N, C, H_out, W_out) = {want}: without output_size, "
               f"H_out = (H − 1)·stride + kernel and W_out = (W − 1)·stride + kernel")
        if got == (N, C, h * stride, w * stride):
            msg += "; yours is (H·stride, W·stride), which is that only when kernel = stride"
        elif got == (N, C, h * kernel, w * kernel):
            msg += "; yours is (H·kernel, W·kernel), which is that only when kernel = stride"
        return msg + "."
    msg = f"has shape {got}, expected (N, C) + output_size = {want}"
    if got == (N, C) + default:
        msg += ("; yours is the default size: is output_size ignored? Pooling an odd size drops the last row or "
                "column, which only output_size brings back")
    elif got == (N, C) + tuple(output_size)[::-1]:
        msg += "; yours is (W, H): output_size is (H_out, W_out)"
    return msg + "."


def assert_unpool_forward(sub, x, indices, kernel, stride, output_size=None):
    """The student's max_unpool2d against F.max_unpool2d."""
    size = "" if output_size is None else f", output_size={tuple(output_size)}"
    what = f"max_unpool2d(x, indices, kernel={kernel}, stride={stride}{size}) for x of shape {x.shape}"
    args = {} if output_size is None else {"output_size": tuple(output_size)}
    out = sub.unpool.max_unpool2d(x, indices, kernel=kernel, stride=stride, **args)
    expected = torch_unpool(x, indices, kernel, stride, output_size)
    got = as_array(out, f"the output of {what}")
    if got.shape != expected.shape:
        raise CheckFailed(f"the output of {what} {unpool_shape_message(got.shape, x, kernel, stride, output_size)}")
    assert_values(got, expected, f"the output of {what}", rtol=TOL["rtol"], atol=TOL["atol"],
                  mistakes=unpool_mistakes(x, indices, expected.shape[2:]),
                  hint="Expected out[n, c].flat[indices[n, c, i, j]] = x[n, c, i, j], and 0 at every position no "
                       "index names.")


def unpool_backward_mistakes(indices):
    """For upstream gradient v: the dx common mistakes give."""
    N, C = indices.shape[:2]

    def mistakes(v):
        v = np.asarray(v, dtype=np.float64)
        return {
            "indices read as positions in the flattened dout of the whole batch (they are flat positions in each "
            "channel's own H_out × W_out plane)": v.ravel()[indices],
            "indices read as positions in each example's flattened dout (C, H_out, W_out) (they are flat positions "
            "in each channel's own H_out × W_out plane)": np.stack([v[n].ravel()[indices[n]] for n in range(N)]),
        }

    return mistakes


def unpool_shape_hints(indices, plane):
    """The shape a scattering backward gives, with what it means."""
    N, C = indices.shape[:2]
    return {(N, C) + tuple(plane): "That is dout's shape: the backward of max unpooling gathers, "
                                   "dx[n, c, i, j] = dout[n, c].flat[indices[n, c, i, j]], into x's shape; "
                                   "backward scattering instead of gathering (as max pooling's backward does) "
                                   "gives dout's shape."}


def unpool_backward(sub, indices, what):
    return Backward(lambda v: sub.unpool.max_unpool2d_backward(v, indices), what, None, None)


def check_unpool_backward(sub, x, indices, kernel, stride, output_size=None, full=True):
    """The student's max_unpool2d_backward against numerical differentiation of F.max_unpool2d
    (the indices of each plane distinct: otherwise only one of the values sharing an index
    reaches the output, and the numerical derivative is not the gather that the contract asks)."""
    N, C = x.shape[:2]
    assert all(len(set(indices[n, c].ravel())) == indices[n, c].size for n in range(N) for c in range(C)), \
        "grader: the numerical check needs distinct indices"
    plane = torch_unpool(x, indices, kernel, stride, output_size).shape[2:]
    setting = (f"kernel={kernel}, stride={stride}, output plane {plane[0]}×{plane[1]}, x and indices of shape "
               f"{x.shape}")
    backward = unpool_backward(sub, indices, f"max_unpool2d_backward(dout, indices) ({setting})")
    assert_backward(lambda x_: torch_unpool(x_, indices, kernel, stride, output_size), x, backward,
                    name=f"max_unpool2d ({setting})", arg="x", full=full, mistakes=unpool_backward_mistakes(indices),
                    shape_hints=unpool_shape_hints(indices, plane),
                    hint="Expected dx[n, c, i, j] = dout[n, c].flat[indices[n, c, i, j]].")


# --- week4.conv_transpose -----------------------------------------------------------------


@check("week4.conv_transpose", points=2)
def conv_transpose_forward_matches_torch(sub, ref):
    """Check that conv_transpose2d_forward matches torch.nn.functional.conv_transpose2d with and without stride and padding, several channels, non-square kernels and images."""
    for k, (shape, stride, padding) in enumerate((((2, 3, 4, 5, 3, 3, 3), 1, 0),  # C_in = C_out first
                                                   ((2, 3, 4, 3, 2, 3, 2), 2, 1),
                                                   ((1, 2, 3, 4, 4, 4, 3), 3, 1),
                                                   ((2, 2, 5, 4, 3, 3, 4), 1, 2))):
        assert_convt_forward(sub, *convt_problem(*shape, seed=10 + k), stride, padding)


@check("week4.conv_transpose", points=1)
def conv_transpose_backward_numerical(sub, ref):
    """Check that conv_transpose2d_backward gives dx, dw and db matching numerical differentiation (stride 1, padding 1)."""
    check_convt_backward(sub, *convt_problem(2, 2, 4, 3, 3, 3, 2, seed=20), stride=1, padding=1)


@check("week4.conv_transpose", points=1)
def conv_transpose_backward_numerical_strided(sub, ref):
    """Check that conv_transpose2d_backward gives dx, dw and db matching numerical differentiation with stride 2 (padding 1, then 0)."""
    check_convt_backward(sub, *convt_problem(2, 2, 3, 4, 2, 3, 3, seed=21), stride=2, padding=1)
    check_convt_backward(sub, *convt_problem(1, 3, 3, 2, 2, 2, 3, seed=22), stride=2, padding=0)


# --- week4.max_unpool ---------------------------------------------------------------------


@check("week4.max_unpool", points=1)
def max_unpool_forward_matches_torch(sub, ref):
    """Check that max_unpool2d matches torch.nn.functional.max_unpool2d with the default output size and with output_size=(H, W) after pooling odd sizes (2×2 stride 2, 3×3 stride 2)."""
    x, idx = unpool_problem((2, 3, 6, 8), 2, 2, seed=30)
    assert_unpool_forward(sub, x, idx, 2, 2)
    # pooled from 7×5: the default is 6×4; first with every maximum inside the first 6·4 positions
    x, idx = unpool_problem((2, 2, 7, 5), 2, 2, seed=31, within=6 * 4)
    assert_unpool_forward(sub, x, idx, 2, 2, output_size=(7, 5))
    x, idx = unpool_problem((1, 3, 9, 7), 2, 2, seed=32)
    assert_unpool_forward(sub, x, idx, 2, 2, output_size=(9, 7))
    x, idx = unpool_problem((2, 2, 7, 9), 3, 2, seed=33)
    assert_unpool_forward(sub, x, idx, 3, 2)


@check("week4.max_unpool", points=1)
def max_unpool_backward_numerical(sub, ref):
    """Check that max_unpool2d_backward matches numerical differentiation of max_unpool2d (default size and output_size)."""
    x, idx = unpool_problem((2, 2, 6, 4), 2, 2, seed=40)
    check_unpool_backward(sub, x, idx, 2, 2)
    x, idx = unpool_problem((1, 3, 5, 7), 2, 2, seed=41)
    check_unpool_backward(sub, x, idx, 2, 2, output_size=(5, 7))
