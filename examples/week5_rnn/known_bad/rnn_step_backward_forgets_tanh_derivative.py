"""RNN step backward that sends dh straight to the pre-activation, without tanh's derivative 1 − h²."""
MODULE = "rnn"
EXERCISE = "week5.rnn_step"
HINT = "forgetting the tanh derivative"
EXERCISE_SCORE = 2  # the forward checks pass
ALSO_COSTS = ["week5.rnn"]  # rnn_backward goes through rnn_step_backward at every step


def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    da = np.asarray(dh, dtype=float)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
