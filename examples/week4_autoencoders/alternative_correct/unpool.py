"""Week 4, transposed convolution and max unpooling: written independently of the reference.

Everything is computed in float32 with explicit loops:

* ``conv_transpose2d_forward`` dilates the input (stride − 1 zeros between neighbouring pixels),
  pads it with KH − 1 − padding rows (KW − 1 − padding columns) of zeros each side, and takes
  the cross-correlation with the kernel rotated by 180° and its channel axes swapped, one output
  pixel at a time: the textbook "transposed convolution is a convolution of the dilated input".
* ``conv_transpose2d_backward`` differentiates that: dx is the cross-correlation of dout, padded
  back to the full output, with w, read at every stride-th position; dw adds, for each input
  pixel, x times the window of dout it wrote to; db sums dout.
* ``max_unpool2d`` and its backward walk the pooled values one by one, turning each flat index
  into a (row, column) of its channel's plane; output_size must be a 2-tuple (H, W).
"""

import numpy as np

DTYPE = np.float32


def conv_transpose2d_forward(x, w, b, stride=1, padding=0):
    """Transposed convolution as a plain convolution of the zero-dilated, zero-padded input."""
    x = np.asarray(x, dtype=DTYPE)
    w = np.asarray(w, dtype=DTYPE)
    b = np.asarray(b, dtype=DTYPE)
    N, C_in, H, W = x.shape
    _, C_out, KH, KW = w.shape
    s, p = stride, padding
    dilated = np.zeros((N, C_in, (H - 1) * s + 1, (W - 1) * s + 1), dtype=DTYPE)
    dilated[:, :, ::s, ::s] = x
    ph, pw = KH - 1 - p, KW - 1 - p  # ≥ 0 as padding < kernel size
    big = np.zeros((N, C_in, dilated.shape[2] + 2 * ph, dilated.shape[3] + 2 * pw), dtype=DTYPE)
    big[:, :, ph:ph + dilated.shape[2], pw:pw + dilated.shape[3]] = dilated
    kernel = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # (C_out, C_in, KH, KW), rotated by 180°
    H_out, W_out = big.shape[2] - KH + 1, big.shape[3] - KW + 1
    out = np.empty((N, C_out, H_out, W_out), dtype=DTYPE)
    for i in range(H_out):
        for j in range(W_out):
            out[:, :, i, j] = np.einsum("nckl,fckl->nf", big[:, :, i:i + KH, j:j + KW], kernel) + b
    return out, {"x": x, "w": w, "stride": s, "padding": p}


def conv_transpose2d_backward(dout, cache):
    """dx, dw, db from the input pixels' windows in dout (padded back to the full output)."""
    x, w, s, p = cache["x"], cache["w"], cache["stride"], cache["padding"]
    dout = np.asarray(dout, dtype=DTYPE)
    N, C_in, H, W = x.shape
    _, C_out, KH, KW = w.shape
    full = np.zeros((N, C_out, dout.shape[2] + 2 * p, dout.shape[3] + 2 * p), dtype=DTYPE)
    full[:, :, p:p + dout.shape[2], p:p + dout.shape[3]] = dout
    dx = np.empty_like(x)
    dw = np.zeros_like(w)
    for i in range(H):
        for j in range(W):
            window = full[:, :, i * s:i * s + KH, j * s:j * s + KW]  # where x[:, :, i, j] wrote
            dx[:, :, i, j] = np.einsum("nfkl,cfkl->nc", window, w)
            dw += np.einsum("nc,nfkl->cfkl", x[:, :, i, j], window)
    db = dout.sum(axis=(0, 2, 3))
    return dx, dw, db


def max_unpool2d(x, indices, kernel=2, stride=2, output_size=None):
    """Each pooled value written back at its flat index (row = index // W_out, column = index % W_out)."""
    x = np.asarray(x, dtype=DTYPE)
    indices = np.asarray(indices)
    N, C, H, W = x.shape
    if output_size is None:
        H_out, W_out = (H - 1) * stride + kernel, (W - 1) * stride + kernel
    else:
        H_out, W_out = output_size
    out = np.zeros((N, C, H_out, W_out), dtype=DTYPE)
    for n in range(N):
        for c in range(C):
            for i in range(H):
                for j in range(W):
                    k = int(indices[n, c, i, j])
                    out[n, c, k // W_out, k % W_out] = x[n, c, i, j]
    return out


def max_unpool2d_backward(dout, indices):
    """Each pooled value's gradient read from its flat index in dout."""
    dout = np.asarray(dout, dtype=DTYPE)
    indices = np.asarray(indices)
    N, C, H, W = indices.shape
    W_out = dout.shape[3]
    dx = np.empty((N, C, H, W), dtype=DTYPE)
    for n in range(N):
        for c in range(C):
            for i in range(H):
                for j in range(W):
                    k = int(indices[n, c, i, j])
                    dx[n, c, i, j] = dout[n, c, k // W_out, k % W_out]
    return dx
