"""Convolution backward that takes the windows 1 pixel apart whatever the stride."""
MODULE = "conv"
EXERCISE = "week3.conv_backward"
HINT = "ignoring the stride in the backward pass"
EXERCISE_SCORE = 2


def conv2d_backward(dout, cache):
    x_shape, x_pad, w, stride, p = cache
    dout = np.asarray(dout, dtype=float)
    _, _, KH, KW = w.shape
    H_out, W_out = dout.shape[2:]
    windows = sliding_window_view(x_pad, (KH, KW), axis=(2, 3))[:, :, :H_out, :W_out]
    db = dout.sum(axis=(0, 2, 3))
    dw = np.tensordot(dout, windows, axes=([0, 2, 3], [0, 2, 3]))
    dx_pad = np.zeros_like(x_pad)
    for r in range(KH):
        for c in range(KW):
            contribution = np.tensordot(dout, w[:, :, r, c], axes=([1], [0]))
            dx_pad[:, :, r:r + H_out, c:c + W_out] += contribution.transpose(0, 3, 1, 2)
    H, W = x_shape[2:]
    return dx_pad[:, :, p:p + H, p:p + W], dw, db
