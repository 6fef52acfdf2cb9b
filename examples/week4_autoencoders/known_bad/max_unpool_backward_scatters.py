"""Max-unpooling backward written like max pooling's: dout kept at the positions the indices name
and zero elsewhere, an array of dout's shape, instead of the values gathered into x's shape."""
MODULE = "unpool"
EXERCISE = "week4.max_unpool"
HINT = "backward scattering instead of gathering"
EXERCISE_SCORE = 2


def max_unpool2d_backward(dout, indices):
    dout = np.asarray(dout, dtype=float)
    indices = np.asarray(indices)
    N, C = indices.shape[:2]
    flat = dout.reshape(N, C, -1)
    dx = np.zeros_like(flat)
    at = indices.reshape(N, C, -1)
    np.put_along_axis(dx, at, np.take_along_axis(flat, at, axis=2), axis=2)
    return dx.reshape(dout.shape)
