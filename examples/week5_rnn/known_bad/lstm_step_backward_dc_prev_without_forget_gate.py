"""LSTM step backward whose dc_prev is the whole gradient of c, not multiplied by the forget gate."""
MODULE = "lstm"
EXERCISE = "week5.lstm_step"
HINT = "dc_prev without the forget gate"
EXERCISE_SCORE = 2  # the forward checks pass
ALSO_COSTS = ["week5.lstm"]  # lstm_backward carries dc_prev back through time


def lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dh, dc = np.asarray(dh, dtype=float), np.asarray(dc, dtype=float)
    dc_total = dc + dh * o * (1.0 - tanh_c**2)
    da = np.concatenate([dc_total * g * i * (1.0 - i),
                         dc_total * c_prev * f * (1.0 - f),
                         dc_total * i * (1.0 - g**2),
                         dh * tanh_c * o * (1.0 - o)], axis=1)
    return da @ Wx.T, da @ Wh.T, dc_total, x.T @ da, h_prev.T @ da, da.sum(axis=0)
