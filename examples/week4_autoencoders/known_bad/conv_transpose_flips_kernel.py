"""Transposed convolution that rotates the kernel by 180° before spreading each input pixel
over its window."""
MODULE = "unpool"
EXERCISE = "week4.conv_transpose"
HINT = "flipping the kernel by 180°"
EXERCISE_SCORE = 3

_correct_conv_transpose2d_forward = conv_transpose2d_forward


def conv_transpose2d_forward(x, w, b, stride=1, padding=0):
    out, _ = _correct_conv_transpose2d_forward(x, np.asarray(w, dtype=float)[:, :, ::-1, ::-1], b, stride, padding)
    return out, (np.asarray(x, dtype=float), np.asarray(w, dtype=float), stride, padding)
