"""The softmax's backward taken elementwise, dS = P ⊙ dP, as if each weight depended on its own
score only: the second term of the Jacobian, −P·Σ_j P ⊙ dP, is missing."""
MODULE = "attention"
EXERCISE = "week5.attention"
HINT = "the softmax's backward without its second term"
EXERCISE_SCORE = 3


def attention_backward(dout, cache):
    q, k, v, P, scale = cache
    dout = np.asarray(dout, dtype=float)
    dv = P.transpose(0, 2, 1) @ dout
    dS = P * (dout @ v.transpose(0, 2, 1))
    return dS @ k * scale, dS.transpose(0, 2, 1) @ q * scale, dv
