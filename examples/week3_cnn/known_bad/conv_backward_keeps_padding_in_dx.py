"""Convolution backward that returns the gradient of the padded input, padding included."""
MODULE = "conv"
EXERCISE = "week3.conv_backward"
HINT = "the padded input's shape"
EXERCISE_SCORE = 0

_correct_conv2d_backward = conv2d_backward


def conv2d_backward(dout, cache):
    x_shape, x_pad, w, stride, p = cache
    dx, dw, db = _correct_conv2d_backward(dout, cache)
    dx_pad = np.zeros(x_pad.shape)
    dx_pad[:, :, p:p + dx.shape[2], p:p + dx.shape[3]] = dx
    return dx_pad, dw, db
