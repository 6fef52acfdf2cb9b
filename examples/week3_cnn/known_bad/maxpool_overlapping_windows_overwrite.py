"""Max pooling backward that assigns (dx[...] = dout) instead of adding, so overlapping windows overwrite each other."""
MODULE = "conv"
EXERCISE = "week3.maxpool"
HINT = "overwriting each other's gradient"
EXERCISE_SCORE = 2


def maxpool2d_backward(dout, cache):
    x_shape, arg, kernel, stride = cache
    n, c, i, j = np.indices(arg.shape, sparse=True)
    dx = np.zeros(x_shape)
    dx[n, c, i * stride + arg // kernel, j * stride + arg % kernel] = dout
    return dx
