"""The attention weights normalised over the queries (axis 1) instead of over the keys: each
key's weights sum to 1 instead of each query's."""
MODULE = "attention"
EXERCISE = "week5.attention"
HINT = "the softmax over the queries (axis 1)"
EXERCISE_SCORE = 0


def attention_forward(q, k, v, causal=False):
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    scale = 1.0 / np.sqrt(q.shape[-1])
    scores = q @ k.transpose(0, 2, 1) * scale
    if causal:
        Tq, Tk = scores.shape[1:]
        scores = np.where(np.tril(np.ones((Tq, Tk), dtype=bool)), scores, -np.inf)
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    return weights @ v, (q, k, v, weights, scale)
