"""Convolution that never adds the bias."""
MODULE = "conv"
EXERCISE = "week3.conv_forward"
HINT = "leaving out the bias"
EXERCISE_SCORE = 0


def conv2d_forward(x, w, b, stride=1, padding=0):
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    p = padding
    x_pad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    windows = sliding_window_view(x_pad, w.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
    out = np.tensordot(windows, w, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)
    return out, (x.shape, x_pad, w, stride, padding)
