"""Backpropagation through time that never adds the gradient flowing back from step t + 1 (dh_next):
each step sees only its own dh[:, t], a truncation to one step."""
MODULE = "rnn"
EXERCISE = "week5.rnn"
HINT = "dropping the recurrent gradient"
EXERCISE_SCORE = 2  # the forward checks pass


def rnn_backward(dh, cache):
    dh = np.asarray(dh, dtype=float)
    N, T, H = dh.shape
    x0, _, Wx, Wh, _ = cache[0]
    dx = np.empty((N, T, x0.shape[1]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
    for t in reversed(range(T)):
        dx[:, t], dh_prev, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t], cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_prev, dWx, dWh, db
