"""Max pooling backward that never fills dx's last column: its loop over the columns of x stops one short."""
MODULE = "conv"
EXERCISE = "week3.maxpool"
HINT = "dx's last column left at zero"
EXERCISE_SCORE = 1


def maxpool2d_backward(dout, cache):
    x_shape, arg, kernel, stride = cache
    dout = np.asarray(dout, dtype=float)
    dx = np.zeros(x_shape)
    H_out, W_out = arg.shape[2:]
    for i in range(H_out):
        for j in range(W_out):
            rows = i * stride + arg[:, :, i, j] // kernel
            cols = j * stride + arg[:, :, i, j] % kernel
            for n in range(x_shape[0]):
                for c in range(x_shape[1]):
                    if cols[n, c] < x_shape[3] - 1:  # the bug: should be < x_shape[3], i.e. every column
                        dx[n, c, rows[n, c], cols[n, c]] += dout[n, c, i, j]
    return dx
