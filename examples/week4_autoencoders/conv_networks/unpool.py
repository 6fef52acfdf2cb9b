"""Upsampling layers in NumPy: the transposed convolution ("learnable unpooling") and max
unpooling, forward and backward, on NCHW batches.

As in week 3, a forward pass returns ``(out, cache)`` when a backward needs more than its
arguments; the cache's contents are yours to choose and come back unchanged.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv_transpose2d_forward(x, w, b, stride=1, padding=0):
    """The transposed convolution of x with w, as ``torch.nn.functional.conv_transpose2d``.

    Each input pixel x[n, c, i, j] adds x[n, c, i, j]·w[c, f, :, :] to the KH×KW window of
    output channel f whose top-left corner is at (i·stride, j·stride) of a "full" output of
    (H − 1)·stride + KH rows and (W − 1)·stride + KW columns; ``padding`` rows and columns
    are then cut off each side, and b[f] is added to channel f:
    H_out = (H − 1)·stride − 2·padding + KH (likewise W_out). It is the backward pass of a
    convolution with the same w, stride and padding with respect to its input.

    Args:
        x: inputs, shape (N, C_in, H, W).
        w: filters, shape (C_in, C_out, KH, KW) (note: C_in first, as in PyTorch).
        b: biases, shape (C_out,).
        stride: an integer ≥ 1 (both axes).
        padding: an integer ≥ 0 (both axes), less than the kernel's size.

    Returns:
        ``(out, cache)``: out of shape (N, C_out, H_out, W_out), and what
        ``conv_transpose2d_backward`` needs.
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    N, _, H, W = x.shape
    _, F, KH, KW = w.shape
    s, p = stride, padding
    full = np.zeros((N, F, (H - 1) * s + KH, (W - 1) * s + KW))
    for r in range(KH):
        for c in range(KW):
            # every input pixel (i, j) lands on full[..., i·s + r, j·s + c] through w[:, :, r, c]
            full[:, :, r:r + (H - 1) * s + 1:s, c:c + (W - 1) * s + 1:s] += np.einsum("nchw,cf->nfhw", x, w[:, :, r, c])
    out = full[:, :, p:full.shape[2] - p, p:full.shape[3] - p] + np.asarray(b, dtype=float)[None, :, None, None]
    return out, (x, w, s, p)


def conv_transpose2d_backward(dout, cache):
    """The gradients of a loss with respect to x, w and b, given dout = ∂L/∂out.

    Args:
        dout: upstream gradient, shape (N, C_out, H_out, W_out).
        cache: what ``conv_transpose2d_forward`` returned with ``out``.

    Returns:
        ``(dx, dw, db)`` shaped like x, w and b.
    """
    x, w, s, p = cache
    dout = np.asarray(dout, dtype=float)
    KH, KW = w.shape[2:]
    # Put the cut-off border back (its gradient is 0): the gradient of the full output.
    dfull = np.pad(dout, ((0, 0), (0, 0), (p, p), (p, p)))
    # windows[n, f, i, j] is the KH×KW window input pixel (i, j) wrote to.
    windows = sliding_window_view(dfull, (KH, KW), axis=(2, 3))[:, :, ::s, ::s][:, :, :x.shape[2], :x.shape[3]]
    dx = np.einsum("nfhwrc,kfrc->nkhw", windows, w)
    dw = np.einsum("nfhwrc,nkhw->kfrc", windows, x)
    db = dout.sum(axis=(0, 2, 3))
    return dx, dw, db


def max_unpool2d(x, indices, kernel=2, stride=2, output_size=None):
    """Max unpooling, as ``torch.nn.functional.max_unpool2d(x, indices, kernel, stride,
    output_size=output_size)``: each value x[n, c, i, j] goes back to the position that
    ``indices[n, c, i, j]`` names in its channel's output plane (a flat index into the
    H_out × W_out plane, as ``max_pool2d(..., return_indices=True)`` gives); every other
    position is 0.

    Args:
        x: pooled values, shape (N, C, H, W).
        indices: integer array of the same shape.
        kernel, stride: the pooling's (integers).
        output_size: ``(H_out, W_out)``, or None for
            H_out = (H − 1)·stride + kernel, W_out = (W − 1)·stride + kernel.

    Returns:
        out of shape (N, C, H_out, W_out).
    """
    x = np.asarray(x)
    indices = np.asarray(indices)
    N, C, H, W = x.shape
    if output_size is None:
        output_size = ((H - 1) * stride + kernel, (W - 1) * stride + kernel)
    H_out, W_out = (int(v) for v in tuple(output_size)[-2:])
    out = np.zeros((N, C, H_out * W_out), dtype=np.result_type(x.dtype, np.float32))
    flat = indices.reshape(N, C, -1)
    if flat.size and (flat.min() < 0 or flat.max() >= H_out * W_out):
        raise ValueError(f"an index is outside the output plane of {H_out}×{W_out}")
    np.put_along_axis(out, flat, x.reshape(N, C, -1), axis=2)
    return out.reshape(N, C, H_out, W_out)


def max_unpool2d_backward(dout, indices):
    """The gradient with respect to x of max unpooling, given dout = ∂L/∂out:
    dx[n, c, i, j] = dout[n, c] at the flat position indices[n, c, i, j].

    Args:
        dout: upstream gradient, shape (N, C, H_out, W_out).
        indices: the forward's indices, shape (N, C, H, W).

    Returns:
        dx of shape (N, C, H, W).
    """
    dout = np.asarray(dout)
    indices = np.asarray(indices)
    N, C = indices.shape[:2]
    gathered = np.take_along_axis(dout.reshape(N, C, -1), indices.reshape(N, C, -1), axis=2)
    return gathered.reshape(indices.shape)
