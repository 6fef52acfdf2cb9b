"""Convolution and max pooling on NCHW batches, forward and backward, in NumPy.

Images are batches of shape (N, C, H, W): N examples, C channels, H rows, W columns.
A layer's forward returns ``(out, cache)``; the cache holds whatever the backward
pass needs and is handed back to it unchanged, so its contents are yours to choose.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv2d_forward(x, w, b, stride=1, padding=0):
    """out[n, f, i, j] = b[f] + Σ_{c, p, q} x_pad[n, c, i·stride + p, j·stride + q] · w[f, c, p, q].

    Cross-correlation (the kernel is not flipped), as ``torch.nn.functional.conv2d``:
    the input is zero-padded by ``padding`` on every side, each filter slides over it
    with step ``stride``, and the output has
    H_out = (H + 2·padding − KH) // stride + 1 rows and W_out = (W + 2·padding − KW) // stride + 1
    columns (windows that would stick out past the padded input are dropped).

    Args:
        x: inputs, shape (N, C, H, W).
        w: filters, shape (F, C, KH, KW).
        b: biases, shape (F,).
        stride: the step between windows, an integer ≥ 1 (the same along H and W).
        padding: zeros added on each side of H and W, an integer ≥ 0.

    Returns:
        ``(out, cache)``: out of shape (N, F, H_out, W_out), and what
        ``conv2d_backward`` needs.
    """
    ### BEGIN SOLUTION week3.conv_forward
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    p = padding
    x_pad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    # windows[n, c, i, j, :, :] is the KH×KW patch under output pixel (i, j): a view, no copy.
    windows = sliding_window_view(x_pad, w.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
    out = np.tensordot(windows, w, axes=([1, 4, 5], [1, 2, 3]))  # (N, H_out, W_out, F)
    out = out.transpose(0, 3, 1, 2) + np.asarray(b, dtype=float)[None, :, None, None]
    return out, (x.shape, x_pad, w, stride, padding)
    ### END SOLUTION


def conv2d_backward(dout, cache):
    """The gradients of a loss L with respect to x, w and b, given dout = ∂L/∂out.

    db[f] = Σ_{n,i,j} dout[n, f, i, j];  dw[f, c, p, q] = Σ_{n,i,j} dout[n, f, i, j] · x_pad[n, c, i·s + p, j·s + q];
    dx_pad[n, c, i·s + p, j·s + q] += Σ_f dout[n, f, i, j] · w[f, c, p, q], then the padding is cut off.

    Args:
        dout: upstream gradient, shape (N, F, H_out, W_out).
        cache: what ``conv2d_forward`` returned with ``out``.

    Returns:
        ``(dx, dw, db)`` shaped like x (N, C, H, W), w (F, C, KH, KW) and b (F,).
    """
    ### BEGIN SOLUTION week3.conv_backward
    x_shape, x_pad, w, stride, p = cache
    dout = np.asarray(dout, dtype=float)
    _, _, KH, KW = w.shape
    H_out, W_out = dout.shape[2:]
    windows = sliding_window_view(x_pad, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
    db = dout.sum(axis=(0, 2, 3))
    dw = np.tensordot(dout, windows, axes=([0, 2, 3], [0, 2, 3]))  # (F, C, KH, KW)
    # Each kernel offset (r, c) scatters dout back onto the input pixels it read: a strided
    # slice of x_pad. Rows and columns that no window reached keep a zero gradient.
    dx_pad = np.zeros_like(x_pad)
    for r in range(KH):
        for c in range(KW):
            contribution = np.tensordot(dout, w[:, :, r, c], axes=([1], [0]))  # (N, H_out, W_out, C)
            dx_pad[:, :, r : r + stride * H_out : stride, c : c + stride * W_out : stride] += \
                contribution.transpose(0, 3, 1, 2)
    H, W = x_shape[2:]
    dx = dx_pad[:, :, p : p + H, p : p + W]
    return dx, dw, db
    ### END SOLUTION


def maxpool2d_forward(x, kernel=2, stride=2):
    """out[n, c, i, j] = max over the kernel×kernel window of x at (i·stride, j·stride).

    No padding, floor mode: H_out = (H − kernel) // stride + 1, likewise W_out; windows
    overlap when stride < kernel. As ``torch.nn.functional.max_pool2d(x, kernel, stride)``.

    Args:
        x: inputs, shape (N, C, H, W).
        kernel: the window's side, an integer ≥ 1.
        stride: the step between windows, an integer ≥ 1.

    Returns:
        ``(out, cache)``: out of shape (N, C, H_out, W_out), and what
        ``maxpool2d_backward`` needs.
    """
    ### BEGIN SOLUTION week3.maxpool
    x = np.asarray(x, dtype=float)
    N, C = x.shape[:2]
    windows = sliding_window_view(x, (kernel, kernel), axis=(2, 3))[:, :, ::stride, ::stride]
    flat = windows.reshape(*windows.shape[:4], kernel * kernel)
    # argmax returns the first maximum in row-major window order: the one the gradient goes to.
    arg = flat.argmax(axis=-1)
    out = np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]
    return out, (x.shape, arg, kernel, stride)
    ### END SOLUTION


def maxpool2d_backward(dout, cache):
    """dx: each dout[n, c, i, j] added to the input pixel that was its window's maximum.

    With ties, only the first maximum in row-major window order receives the gradient;
    a pixel that is the maximum of several overlapping windows receives the sum.

    Args:
        dout: upstream gradient, shape (N, C, H_out, W_out).
        cache: what ``maxpool2d_forward`` returned with ``out``.

    Returns:
        dx of shape (N, C, H, W).
    """
    ### BEGIN SOLUTION week3.maxpool
    x_shape, arg, kernel, stride = cache
    dout = np.asarray(dout, dtype=float)
    N, C, H_out, W_out = arg.shape
    n, c, i, j = np.indices(arg.shape, sparse=True)
    rows = i * stride + arg // kernel
    cols = j * stride + arg % kernel
    dx = np.zeros(x_shape)
    np.add.at(dx, (n, c, rows, cols), dout)  # add.at, not +=: overlapping windows may share a pixel
    return dx
    ### END SOLUTION
