"""LSTM step backward that sends dh·o to the cell state, leaving out the derivative of tanh(c)."""
MODULE = "lstm"
EXERCISE = "week5.lstm_step"
HINT = "forgetting dc's path through tanh(c)"
EXERCISE_SCORE = 2  # the forward checks pass
ALSO_COSTS = ["week5.lstm"]  # lstm_backward goes through lstm_step_backward at every step


def lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dh, dc = np.asarray(dh, dtype=float), np.asarray(dc, dtype=float)
    dc_total = dc + dh * o
    da = np.concatenate([dc_total * g * i * (1.0 - i),
                         dc_total * c_prev * f * (1.0 - f),
                         dc_total * i * (1.0 - g**2),
                         dh * tanh_c * o * (1.0 - o)], axis=1)
    return da @ Wx.T, da @ Wh.T, dc_total * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)
