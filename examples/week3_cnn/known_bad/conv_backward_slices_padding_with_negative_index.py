"""Convolution backward that cuts the padding off with dx_pad[:, :, p:-p, p:-p], empty when p = 0."""
MODULE = "conv"
EXERCISE = "week3.conv_backward"
HINT = "empty when p = 0"
EXERCISE_SCORE = 3

_correct_conv2d_backward = conv2d_backward


def conv2d_backward(dout, cache):
    x_shape, x_pad, w, stride, p = cache
    dx, dw, db = _correct_conv2d_backward(dout, cache)
    dx_pad = np.zeros(x_pad.shape)
    dx_pad[:, :, p:p + dx.shape[2], p:p + dx.shape[3]] = dx
    return dx_pad[:, :, p:-p, p:-p], dw, db
