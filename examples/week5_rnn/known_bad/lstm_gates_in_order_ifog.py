"""LSTM step that reads the four gate blocks in the order i, f, o, g (a common textbook layout) instead
of torch's i, f, g, o, forward and backward alike."""
MODULE = "lstm"
EXERCISE = "week5.lstm_step"
HINT = "reading the gates in the order i, f, o, g"
EXERCISE_SCORE = 0  # the backward differentiates the wrong forward, so every check fails
ALSO_COSTS = ["week5.lstm"]  # lstm_forward and lstm_backward go through the step


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    x, h_prev, c_prev, Wx, Wh, b = (np.asarray(a, dtype=float) for a in (x, h_prev, c_prev, Wx, Wh, b))
    a = x @ Wx + h_prev @ Wh + b
    H = h_prev.shape[1]
    i, f, o = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H]), _sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    return o * tanh_c, c, (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)


def lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dh, dc = np.asarray(dh, dtype=float), np.asarray(dc, dtype=float)
    dc_total = dc + dh * o * (1.0 - tanh_c**2)
    da = np.concatenate([dc_total * g * i * (1.0 - i),
                         dc_total * c_prev * f * (1.0 - f),
                         dh * tanh_c * o * (1.0 - o),
                         dc_total * i * (1.0 - g**2)], axis=1)
    return da @ Wx.T, da @ Wh.T, dc_total * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)
