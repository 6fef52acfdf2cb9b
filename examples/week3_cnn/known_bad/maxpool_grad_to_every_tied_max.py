"""Max pooling backward that sends the gradient to every position equal to its window's maximum."""
MODULE = "conv"
EXERCISE = "week3.maxpool"
HINT = "every tied maximum"
EXERCISE_SCORE = 5


def maxpool2d_forward(x, kernel=2, stride=2):
    x = np.asarray(x, dtype=float)
    windows = sliding_window_view(x, (kernel, kernel), axis=(2, 3))[:, :, ::stride, ::stride]
    out = windows.max(axis=(4, 5))
    return out, (x, out, kernel, stride)


def maxpool2d_backward(dout, cache):
    x, out, kernel, stride = cache
    dx = np.zeros_like(x)
    H_out, W_out = out.shape[2:]
    for i in range(H_out):
        for j in range(W_out):
            rows, cols = slice(i * stride, i * stride + kernel), slice(j * stride, j * stride + kernel)
            is_max = x[:, :, rows, cols] == out[:, :, i, j, None, None]
            dx[:, :, rows, cols] += is_max * dout[:, :, i, j, None, None]
    return dx
