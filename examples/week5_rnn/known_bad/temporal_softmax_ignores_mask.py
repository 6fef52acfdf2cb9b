"""The mean cross-entropy over every position of every sequence: the mask is never used."""
MODULE = "embedding"
EXERCISE = "week5.temporal_softmax"
HINT = "ignoring the mask"
EXERCISE_SCORE = 0


def temporal_softmax_loss(logits, targets, mask):
    logits = np.asarray(logits, dtype=float)
    targets = np.asarray(targets, dtype=np.int64)
    count = targets.size
    z = logits - logits.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]
    dlogits = np.exp(logp)
    np.put_along_axis(dlogits, targets[..., None], np.take_along_axis(dlogits, targets[..., None], axis=-1) - 1.0,
                      axis=-1)
    return float(-picked.sum() / count), dlogits / count
