"""Week 3, convolution and pooling: written independently of the reference solution.

Everything is computed in float32 with explicit loops over the output positions:

* ``conv2d_forward`` takes, for every output pixel, the dot product of the padded input
  patch with each filter (``np.einsum`` over channels and kernel offsets).
* ``conv2d_backward`` walks the same positions and scatters ``dout`` back onto the patch
  (dx) and onto the filters (dw); the cache keeps the padded input.
* ``maxpool2d_forward`` records, per window, the (row, column) of the first maximum in
  row-major order; the backward adds each gradient there with ``+=`` inside the loop.
"""

import numpy as np

DTYPE = np.float32


def conv2d_forward(x, w, b, stride=1, padding=0):
    """Cross-correlation of x (N, C, H, W) with w (F, C, KH, KW) plus b, zero padding, stride."""
    x = np.asarray(x, dtype=DTYPE)
    w = np.asarray(w, dtype=DTYPE)
    b = np.asarray(b, dtype=DTYPE)
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.zeros((N, C, H + 2 * padding, W + 2 * padding), dtype=DTYPE)
    xp[:, :, padding:padding + H, padding:padding + W] = x
    H_out = (H + 2 * padding - KH) // stride + 1
    W_out = (W + 2 * padding - KW) // stride + 1
    out = np.empty((N, F, H_out, W_out), dtype=DTYPE)
    for i in range(H_out):
        for j in range(W_out):
            patch = xp[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
            out[:, :, i, j] = np.einsum("nckl,fckl->nf", patch, w) + b
    cache = {"xp": xp, "w": w, "stride": stride, "padding": padding, "hw": (H, W)}
    return out, cache


def conv2d_backward(dout, cache):
    """dx, dw, db of the convolution, from the padded input kept in the cache."""
    dout = np.asarray(dout, dtype=DTYPE)
    xp, w, s, p = cache["xp"], cache["w"], cache["stride"], cache["padding"]
    H, W = cache["hw"]
    _, _, KH, KW = w.shape
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows, cols = slice(i * s, i * s + KH), slice(j * s, j * s + KW)
            g = dout[:, :, i, j]  # (N, F)
            dxp[:, :, rows, cols] += np.einsum("nf,fckl->nckl", g, w)
            dw += np.einsum("nf,nckl->fckl", g, xp[:, :, rows, cols])
    db = dout.sum(axis=(0, 2, 3))
    return dxp[:, :, p:p + H, p:p + W], dw, db


def maxpool2d_forward(x, kernel=2, stride=2):
    """Max over kernel×kernel windows, stride apart, floor mode; remembers where each maximum was."""
    x = np.asarray(x, dtype=DTYPE)
    N, C, H, W = x.shape
    H_out = (H - kernel) // stride + 1
    W_out = (W - kernel) // stride + 1
    out = np.empty((N, C, H_out, W_out), dtype=DTYPE)
    where = np.empty((N, C, H_out, W_out, 2), dtype=np.int64)
    for i in range(H_out):
        for j in range(W_out):
            win = x[:, :, i * stride:i * stride + kernel, j * stride:j * stride + kernel].reshape(N, C, -1)
            k = win.argmax(axis=2)  # the first maximum in row-major order
            out[:, :, i, j] = np.take_along_axis(win, k[..., None], axis=2)[..., 0]
            where[:, :, i, j, 0] = i * stride + k // kernel
            where[:, :, i, j, 1] = j * stride + k % kernel
    return out, (x.shape, where)


def maxpool2d_backward(dout, cache):
    """Each upstream gradient added to its window's (first) maximum."""
    shape, where = cache
    dout = np.asarray(dout, dtype=DTYPE)
    dx = np.zeros(shape, dtype=DTYPE)
    N, C, H_out, W_out = dout.shape
    n, c = np.meshgrid(np.arange(N), np.arange(C), indexing="ij")
    for i in range(H_out):
        for j in range(W_out):
            # within one window position each (n, c) hits a different pixel, so += is safe here
            dx[n, c, where[:, :, i, j, 0], where[:, :, i, j, 1]] += dout[:, :, i, j]
    return dx
