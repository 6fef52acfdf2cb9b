"""conv2d (a cross-correlation of x with each w[:, f], stride and padding as conv2d's) in place of
the transposed convolution."""
MODULE = "unpool"
EXERCISE = "week4.conv_transpose"
HINT = "the shape conv2d gives"
EXERCISE_SCORE = 1


def conv_transpose2d_forward(x, w, b, stride=1, padding=0):
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    p = padding
    x_pad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    windows = sliding_window_view(x_pad, w.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
    out = np.einsum("nchwkl,cfkl->nfhw", windows, w) + np.asarray(b, dtype=float)[None, :, None, None]
    return out, (x, w, stride, padding)
