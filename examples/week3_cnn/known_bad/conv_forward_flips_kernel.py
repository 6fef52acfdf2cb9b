"""A true convolution (the kernel rotated by 180°) instead of the cross-correlation that torch computes."""
MODULE = "conv"
EXERCISE = "week3.conv_forward"
HINT = "flipping the kernel by 180°"
EXERCISE_SCORE = 0


def conv2d_forward(x, w, b, stride=1, padding=0):
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    p = padding
    x_pad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    windows = sliding_window_view(x_pad, w.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
    flipped = w[:, :, ::-1, ::-1]  # the textbook definition of convolution
    out = np.tensordot(windows, flipped, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)
    return out + np.asarray(b, dtype=float)[None, :, None, None], (x.shape, x_pad, w, stride, padding)
