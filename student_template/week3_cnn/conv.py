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
    raise NotImplementedError("week3.conv_forward")


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
    raise NotImplementedError("week3.conv_backward")


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
    raise NotImplementedError("week3.maxpool")


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
    raise NotImplementedError("week3.maxpool")
