"""Max pooling backward whose dx is 30% too large: each dout goes to its window's maximum, times 1.3."""
MODULE = "conv"
EXERCISE = "week3.maxpool"
HINT = "1.3 times the expected one"
EXERCISE_SCORE = 1


def maxpool2d_backward(dout, cache):
    x_shape, arg, kernel, stride = cache
    n, c, i, j = np.indices(arg.shape, sparse=True)
    dx = np.zeros(x_shape)
    np.add.at(dx, (n, c, i * stride + arg // kernel, j * stride + arg % kernel), 1.3 * np.asarray(dout, dtype=float))
    return dx
