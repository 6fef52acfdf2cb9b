"""Backpropagation through time that assigns dWx, dWh and db at every step instead of adding them up:
what is left is the gradient of step t = 0, the last one the loop visits."""
MODULE = "rnn"
EXERCISE = "week5.rnn"
HINT = "not summing dWx, dWh and db over the time steps"
EXERCISE_SCORE = 2  # the forward checks pass


def rnn_backward(dh, cache):
    dh = np.asarray(dh, dtype=float)
    N, T, H = dh.shape
    x0 = cache[0][0]
    dx = np.empty((N, T, x0.shape[1]))
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_next, dWx, dWh, db = rnn_step_backward(dh[:, t] + dh_next, cache[t])
    return dx, dh_next, dWx, dWh, db
