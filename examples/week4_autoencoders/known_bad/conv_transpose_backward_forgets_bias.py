"""Transposed-convolution backward that returns a zero bias gradient."""
MODULE = "unpool"
EXERCISE = "week4.conv_transpose"
HINT = "forgetting the bias gradient"
EXERCISE_SCORE = 3

_correct_conv_transpose2d_backward = conv_transpose2d_backward


def conv_transpose2d_backward(dout, cache):
    dx, dw, db = _correct_conv_transpose2d_backward(dout, cache)
    return dx, dw, np.zeros_like(db)
