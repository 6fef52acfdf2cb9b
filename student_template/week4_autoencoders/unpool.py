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
    raise NotImplementedError("week4.conv_transpose")


def conv_transpose2d_backward(dout, cache):
    """The gradients of a loss with respect to x, w and b, given dout = ∂L/∂out.

    Args:
        dout: upstream gradient, shape (N, C_out, H_out, W_out).
        cache: what ``conv_transpose2d_forward`` returned with ``out``.

    Returns:
        ``(dx, dw, db)`` shaped like x, w and b.
    """
    raise NotImplementedError("week4.conv_transpose")


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
    raise NotImplementedError("week4.max_unpool")


def max_unpool2d_backward(dout, indices):
    """The gradient with respect to x of max unpooling, given dout = ∂L/∂out:
    dx[n, c, i, j] = dout[n, c] at the flat position indices[n, c, i, j].

    Args:
        dout: upstream gradient, shape (N, C, H_out, W_out).
        indices: the forward's indices, shape (N, C, H, W).

    Returns:
        dx of shape (N, C, H, W).
    """
    raise NotImplementedError("week4.max_unpool")
