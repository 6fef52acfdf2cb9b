"""Max unpooling that always returns the default size, (H − 1)·stride + kernel by
(W − 1)·stride + kernel, whatever output_size says."""
MODULE = "unpool"
EXERCISE = "week4.max_unpool"
HINT = "is output_size ignored?"
EXERCISE_SCORE = 2


def max_unpool2d(x, indices, kernel=2, stride=2, output_size=None):
    x = np.asarray(x, dtype=float)
    N, C, H, W = x.shape
    H_out, W_out = (H - 1) * stride + kernel, (W - 1) * stride + kernel
    out = np.zeros((N, C, H_out * W_out))
    np.put_along_axis(out, np.asarray(indices).reshape(N, C, -1), x.reshape(N, C, -1), axis=2)
    return out.reshape(N, C, H_out, W_out)
