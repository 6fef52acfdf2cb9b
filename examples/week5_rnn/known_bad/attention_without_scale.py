"""Attention with softmax(q·kᵀ)·v: the scores are not divided by √d."""
MODULE = "attention"
EXERCISE = "week5.attention"
HINT = "leaving out the 1/√d scale"
EXERCISE_SCORE = 0


def attention_forward(q, k, v, causal=False):
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    scale = 1.0
    scores = q @ k.transpose(0, 2, 1) * scale
    if causal:
        Tq, Tk = scores.shape[1:]
        scores = np.where(np.tril(np.ones((Tq, Tk), dtype=bool)), scores, -np.inf)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    return weights @ v, (q, k, v, weights, scale)
