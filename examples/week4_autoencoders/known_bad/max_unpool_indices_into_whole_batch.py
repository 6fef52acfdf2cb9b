"""Max unpooling that reads the indices as positions in the flattened (N, C, H_out, W_out)
array (forward and backward), not in each channel's own plane: everything lands in, and is read
from, the first example's first channel."""
MODULE = "unpool"
EXERCISE = "week4.max_unpool"
HINT = "indices read as positions in the flattened (N, C, H_out, W_out) array"
EXERCISE_SCORE = 0


def max_unpool2d(x, indices, kernel=2, stride=2, output_size=None):
    x = np.asarray(x, dtype=float)
    N, C, H, W = x.shape
    H_out, W_out = output_size if output_size is not None else ((H - 1) * stride + kernel, (W - 1) * stride + kernel)
    out = np.zeros(N * C * H_out * W_out)
    out[np.asarray(indices).ravel()] = x.ravel()
    return out.reshape(N, C, H_out, W_out)


def max_unpool2d_backward(dout, indices):
    return np.asarray(dout, dtype=float).ravel()[np.asarray(indices)]
