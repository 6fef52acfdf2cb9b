"""Convolution backward that returns a zero bias gradient."""
MODULE = "conv"
EXERCISE = "week3.conv_backward"
HINT = "forgetting the bias gradient"
EXERCISE_SCORE = 0

_correct_conv2d_backward = conv2d_backward


def conv2d_backward(dout, cache):
    dx, dw, db = _correct_conv2d_backward(dout, cache)
    return dx, dw, np.zeros_like(db)
