"""The causal mask built with np.triu(..., k=0): it hides each query's own key along with the
later ones, so query i sees keys j < i and query 0 none at all (its row is NaN)."""
MODULE = "attention"
EXERCISE = "week5.attention"
HINT = "a causal mask that hides the diagonal"
EXERCISE_SCORE = 0


def attention_forward(q, k, v, causal=False):
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    scale = 1.0 / np.sqrt(q.shape[-1])
    scores = q @ k.transpose(0, 2, 1) * scale
    if causal:
        Tq, Tk = scores.shape[1:]
        scores = np.where(np.triu(np.ones((Tq, Tk), dtype=bool)), -np.inf, scores)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    return weights @ v, (q, k, v, weights, scale)
