"""The softmax of the scores without subtracting each row's maximum: right for ordinary scores,
inf/inf = NaN (or 0/0) for scores of ±1e3 and beyond."""
MODULE = "attention"
EXERCISE = "week5.attention"
HINT = "Subtract each row's maximum score before exponentiating"
EXERCISE_SCORE = 4


def attention_forward(q, k, v, causal=False):
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    scale = 1.0 / np.sqrt(q.shape[-1])
    scores = q @ k.transpose(0, 2, 1) * scale
    if causal:
        Tq, Tk = scores.shape[1:]
        scores = np.where(np.tril(np.ones((Tq, Tk), dtype=bool)), scores, -np.inf)
    weights = np.exp(scores)
    weights /= weights.sum(axis=-1, keepdims=True)
    return weights @ v, (q, k, v, weights, scale)
