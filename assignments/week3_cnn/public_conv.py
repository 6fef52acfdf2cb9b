"""Public checks for conv.py: convolution and max pooling against PyTorch's
torch.nn.functional (float64), and every backward pass against the grader's own
numerical differentiation of those functions.

A forward pass returns ``(out, cache)``; the cache is the student's own business:
it comes back to the grader as it is (plain data, or handles to objects that stay
in the student's process) and is handed unchanged to the backward pass. Backward
passes are judged as vector–Jacobian products: for a random upstream gradient v,
``backward(v, cache)`` must return Jᵀv for every input, which the grader computes by
differentiating its own float64 function numerically (numdifftools, small inputs)
or along random directions (larger inputs).
"""

import numpy as np
import torch.nn.functional as F

from grader import backward as backward_pass
from grader.backward import Backward, cache_from_forward, unpack
from grader.compare import as_array
from grader.oracles import assert_close_scaled, t64, torch_vjp
from grader.registry import CheckFailed, check, load_rubric

RUBRIC = load_rubric(__file__)
TOL = RUBRIC["conv"]
GRAD_TOL = RUBRIC["gradients"]


# --- shared helpers (the other check files of this week import them) ---------------


# An element fails when |got − expected| > atol·max(1, max|expected|) + rtol·|expected|. The engine's
# oracle, under the name this week's check files (hidden_conv.py among them) call it by.
assert_values = assert_close_scaled


def assert_backward(f, x, backward, **kwargs):
    """`grader.backward.assert_backward` with this week's gradient tolerances."""
    backward_pass.assert_backward(f, x, backward, rtol=GRAD_TOL["rtol"], atol=GRAD_TOL["atol"], **kwargs)


# --- convolution ------------------------------------------------------------------------


def conv_problem(N, C, H, W, F_, KH, KW, seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, C, H, W)), rng.normal(size=(F_, C, KH, KW)), rng.normal(size=F_)


def out_size(n, k, stride, padding):
    return (n + 2 * padding - k) // stride + 1


def torch_conv(x, w, b, stride, padding):
    return F.conv2d(t64(x), t64(w), t64(b), stride=stride, padding=padding).numpy()


def conv_shape_message(got, x, w, stride, padding):
    """Why the output of conv2d_forward has the wrong shape, in words."""
    (N, _, H, W), (F_, _, KH, KW) = x.shape, w.shape
    want = (N, F_, out_size(H, KH, stride, padding), out_size(W, KW, stride, padding))
    msg = (f"has shape {got}, expected (N, F, H_out, W_out) = {want} with H_out = (H + 2·padding − KH) // stride + 1 "
           f"and W_out = (W + 2·padding − KW) // stride + 1")
    if got == (N, F_, out_size(H, KH, 1, padding), out_size(W, KW, 1, padding)) and stride > 1:
        msg += f"; yours is the shape for stride 1: is stride={stride} applied?"
    elif got == (N, F_, out_size(H, KH, stride, 0), out_size(W, KW, stride, 0)) and padding > 0:
        msg += f"; yours is the shape without padding: is padding={padding} applied?"
    return msg


def assert_conv_forward(sub, x, w, b, stride, padding):
    """The student's conv2d_forward against F.conv2d; returns the cache for the backward pass."""
    what = (f"conv2d_forward(x, w, b, stride={stride}, padding={padding}) for x of shape {x.shape} "
            f"and w of shape {w.shape}")
    out, cache = unpack(sub.conv.conv2d_forward(x, w, b, stride=stride, padding=padding), what, ("out", "cache"))
    expected = torch_conv(x, w, b, stride, padding)
    got = as_array(out, f"the output of {what}")
    if got.shape != expected.shape:
        raise CheckFailed(f"the output of {what} {conv_shape_message(got.shape, x, w, stride, padding)}")
    assert_values(got, expected, f"the output of {what}", rtol=TOL["rtol"], atol=TOL["atol"], mistakes={
        "flipping the kernel by 180° (the textbook convolution; conv2d in deep learning libraries is a "
        "cross-correlation, without the flip)":
            torch_conv(x, w[:, :, ::-1, ::-1], b, stride, padding),
        "leaving out the bias": expected - b[None, :, None, None],
        "adding the bias of filter 0 to every output channel": expected - b[None, :, None, None] + b[0],
    }, hint="Expected out[n, f, i, j] = b[f] + Σ_{c,p,q} x_pad[n, c, i·stride + p, j·stride + q]·w[f, c, p, q].")
    return cache


# --- convolution backward ---------------------------------------------------------------


def conv_backward_mistakes(x, w, b, stride, padding):
    """For upstream gradient v: the gradients common mistakes give, by argument (x, w, b)."""

    def grads(v, w_used=w):
        return torch_vjp(lambda x_, w_, b_: F.conv2d(x_, w_, b_, stride=stride, padding=padding), (x, w_used, b), v)[1]

    def ignoring_stride(v):
        """dout scattered back as if the windows were 1 pixel apart (the stride left out)."""
        x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
        (H_out, W_out), (KH, KW) = v.shape[2:], w.shape[2:]
        dx_pad, dw = np.zeros_like(x_pad), np.zeros_like(w)
        for r in range(KH):
            for c in range(KW):
                patch = x_pad[:, :, r:r + H_out, c:c + W_out]
                dw[:, :, r, c] = np.einsum("nfhw,nchw->fc", v, patch)
                dx_pad[:, :, r:r + H_out, c:c + W_out] += np.einsum("nfhw,fc->nchw", v, w[:, :, r, c])
        return dx_pad[:, :, padding:padding + x.shape[2], padding:padding + x.shape[3]], dw

    def mistakes(v, which):
        right = grads(v)
        out = {}
        if which == 0:
            out["dx computed with the kernel not rotated by 180° (dx_pad += dout·w flipped)"] = \
                grads(v, w_used=w[:, :, ::-1, ::-1].copy())[0]
        if which in (0, 1) and stride > 1:
            out[f"ignoring the stride in the backward pass (windows taken 1 pixel apart instead of {stride})"] = \
                ignoring_stride(v)[which]
        if which == 2:
            out["forgetting the bias gradient (db = 0)"] = np.zeros_like(b)
            out["db averaged instead of summed over the batch and the positions"] = right[2] / (v.size / v.shape[1])
            out["db summed over the positions but not over the batch (only the first example)"] = \
                v[0].sum(axis=(1, 2))
        return out

    return mistakes


def conv_shape_hints(x, padding, which):
    """Shapes a wrong dx / dw / db typically has, with what they mean."""
    N, C, H, W = x.shape
    if which == 0 and padding > 0:
        return {(N, C, H + 2 * padding, W + 2 * padding):
                f"That is the padded input's shape: cut the {padding} rows and columns of padding off dx "
                "(dx_pad[:, :, p:p + H, p:p + W]; note that dx_pad[:, :, p:-p, p:-p] is empty when p = 0)."}
    if which == 0:
        return {(N, C, 0, 0): "dx_pad[:, :, p:-p, p:-p] is empty when p = 0: slice with p:p + H and p:p + W."}
    return {}


def check_conv_backward(sub, x, w, b, stride, padding, full=True):
    """The student's conv2d_backward against the grader's numerical differentiation of
    F.conv2d, for x, w and b in turn (the cache comes from the student's conv2d_forward)."""
    setting = f"stride={stride}, padding={padding}, x of shape {x.shape}, w of shape {w.shape}"
    what = f"conv2d_backward(dout, cache) ({setting})"
    cache = cache_from_forward(lambda: sub.conv.conv2d_forward(x, w, b, stride=stride, padding=padding),
                               lambda: sub.conv.conv2d_backward(np.zeros((1, 1, 1, 1)), None),
                               "conv2d_backward", "conv2d_forward", "week3.conv_forward")
    mistakes = conv_backward_mistakes(x, w, b, stride, padding)
    names = ("dx", "dw", "db")
    funcs = (lambda x_: torch_conv(x_, w, b, stride, padding),
             lambda w_: torch_conv(x, w_, b, stride, padding),
             lambda b_: torch_conv(x, w, b_, stride, padding))
    for which, (arg, value) in enumerate(zip("xwb", (x, w, b))):
        backward = Backward(lambda v: sub.conv.conv2d_backward(v, cache), what, names, which)
        assert_backward(funcs[which], value, backward, name=f"conv2d ({setting})", arg=arg, full=full,
                        mistakes=lambda v, which=which: mistakes(v, which),
                        shape_hints=conv_shape_hints(x, padding, which))


# --- max pooling -------------------------------------------------------------------------


def torch_maxpool(x, kernel, stride):
    return F.max_pool2d(t64(x), kernel, stride).numpy()


def distinct_values(shape, seed, spacing=0.05):
    """An array whose values are all different, at least `spacing` apart, in random places:
    max pooling is differentiable there (no ties within numdifftools' steps)."""
    n = int(np.prod(shape))
    values = (np.random.default_rng(seed).permutation(n) - n / 2) * spacing
    return values.reshape(shape)


def assert_maxpool_forward(sub, x, kernel, stride):
    """The student's maxpool2d_forward against F.max_pool2d; returns the cache."""
    what = f"maxpool2d_forward(x, kernel={kernel}, stride={stride}) for x of shape {x.shape}"
    out, cache = unpack(sub.conv.maxpool2d_forward(x, kernel=kernel, stride=stride), what, ("out", "cache"))
    expected = torch_maxpool(x, kernel, stride)
    got = as_array(out, f"the output of {what}")
    if got.shape != expected.shape:
        N, C, H, W = x.shape
        raise CheckFailed(f"the output of {what} has shape {got.shape}, expected {expected.shape}: "
                          f"H_out = (H − kernel) // stride + 1 = ({H} − {kernel}) // {stride} + 1, likewise W_out "
                          "(no padding; a window that would stick out past the input is dropped)")
    assert_values(got, expected, f"the output of {what}", rtol=TOL["rtol"], atol=TOL["atol"],
                  hint="Expected the largest value of each kernel×kernel window, windows `stride` pixels apart.")
    return cache


def maxpool_mistakes(x, kernel, stride):
    """For upstream gradient v: the dx common mistakes give."""
    N, C, H, W = x.shape
    _, idx = F.max_pool2d(t64(x), kernel, stride, return_indices=True)
    flat = (idx.numpy() + (np.arange(N * C) * H * W).reshape(N, C, 1, 1)).ravel()  # each window's max in x.ravel()

    def every_tied_max(v):
        dx = np.zeros_like(x)
        H_out, W_out = v.shape[2:]
        for i in range(H_out):
            for j in range(W_out):
                win = x[:, :, i * stride:i * stride + kernel, j * stride:j * stride + kernel]
                hit = win == win.max(axis=(2, 3), keepdims=True)
                dx[:, :, i * stride:i * stride + kernel, j * stride:j * stride + kernel] += hit * v[:, :, i, j, None, None]
        return dx

    def overwrite(v):
        dx = np.zeros(N * C * H * W)
        dx[flat] = v.ravel()  # fancy assignment: the last window wins where windows share a pixel
        return dx.reshape(x.shape)

    def last_column_zero(v):
        dx = np.zeros(N * C * H * W)
        np.add.at(dx, flat, v.ravel())
        dx = dx.reshape(x.shape)
        if not np.any(dx[..., -1]):
            return None  # no window's maximum in the last column: the mistake changes nothing here
        dx[..., -1] = 0.0
        return dx

    def mistakes(v):
        out = {"sending the gradient to every tied maximum of a window": every_tied_max(v)}
        if stride < kernel:
            out["overlapping windows overwriting each other's gradient instead of adding up "
                "(dx[...] = instead of += or np.add.at)"] = overwrite(v)
        out["dx's last column left at zero (a loop or a slice over the columns of x that stops one "
            "short, such as range(W − 1) or [..., :-1])"] = last_column_zero(v)
        return out

    return mistakes


def check_maxpool_backward(sub, x, kernel, stride, full=True):
    """The student's maxpool2d_backward against numerical differentiation of F.max_pool2d
    at an input without ties."""
    cache = assert_maxpool_forward(sub, x, kernel, stride)
    setting = f"kernel={kernel}, stride={stride}, x of shape {x.shape}"
    backward = Backward(lambda v: sub.conv.maxpool2d_backward(v, cache), f"maxpool2d_backward ({setting})", None, None)
    assert_backward(lambda x_: torch_maxpool(x_, kernel, stride), x, backward, name=f"max_pool2d ({setting})",
                    arg="x", full=full, mistakes=maxpool_mistakes(x, kernel, stride),
                    hint="Each dout[n, c, i, j] goes to the position of its window's maximum, nowhere else.")


# --- week3.conv_forward -------------------------------------------------------------------


@check("week3.conv_forward", points=2)
def conv_forward_matches_torch(sub, ref):
    """Check that conv2d_forward matches torch.nn.functional.conv2d with and without stride and padding, non-square kernels and images."""
    for k, (shape, stride, padding) in enumerate((((2, 3, 6, 5, 4, 3, 3), 1, 0),
                                                   ((2, 3, 7, 6, 4, 3, 2), 1, 1),
                                                   ((3, 2, 8, 7, 3, 3, 3), 2, 1))):
        assert_conv_forward(sub, *conv_problem(*shape, seed=10 + k), stride, padding)


# --- week3.conv_backward ------------------------------------------------------------------


@check("week3.conv_backward", points=2)
def conv_backward_numerical(sub, ref):
    """Check that conv2d_backward gives dx, dw and db matching numerical differentiation (stride 1, padding 1)."""
    check_conv_backward(sub, *conv_problem(2, 2, 5, 4, 3, 3, 2, seed=20), stride=1, padding=1)


@check("week3.conv_backward", points=1)
def conv_backward_numerical_strided(sub, ref):
    """Check that conv2d_backward gives dx, dw and db matching numerical differentiation with stride 2 (padding 1, then 0)."""
    check_conv_backward(sub, *conv_problem(2, 2, 6, 5, 2, 3, 3, seed=21), stride=2, padding=1)
    check_conv_backward(sub, *conv_problem(1, 2, 7, 6, 2, 2, 3, seed=22), stride=2, padding=0)


# --- week3.maxpool -------------------------------------------------------------------------


@check("week3.maxpool", points=1)
def maxpool_forward_matches_torch(sub, ref):
    """Check that maxpool2d_forward matches torch.nn.functional.max_pool2d (2×2 stride 2, 3×3 stride 2, odd sizes)."""
    rng = np.random.default_rng(30)
    for shape, kernel, stride in (((2, 3, 6, 8), 2, 2), ((2, 2, 7, 5), 2, 2), ((1, 3, 9, 7), 3, 2)):
        assert_maxpool_forward(sub, rng.normal(size=shape), kernel, stride)


@check("week3.maxpool", points=2)
def maxpool_backward_numerical(sub, ref):
    """Check that maxpool2d_backward matches numerical differentiation, with separate and with overlapping windows."""
    check_maxpool_backward(sub, distinct_values((2, 2, 5, 6), seed=31), kernel=2, stride=2)
    check_maxpool_backward(sub, distinct_values((1, 2, 7, 6), seed=32), kernel=3, stride=2)
