"""LSTM backpropagation through time that hands every step dc = 0: the cell state's gradient from
step t + 1 is dropped, only the one through h flows back."""
MODULE = "lstm"
EXERCISE = "week5.lstm"
HINT = "not carrying dc through time"
EXERCISE_SCORE = 2  # the forward checks pass


def lstm_backward(dh, cache):
    dh = np.asarray(dh, dtype=float)
    N, T, H = dh.shape
    Wx, Wh = cache[0][3], cache[0][4]
    dx = np.empty((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(4 * H)
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_next, _, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t] + dh_next, np.zeros((N, H)), cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_next, dWx, dWh, db
