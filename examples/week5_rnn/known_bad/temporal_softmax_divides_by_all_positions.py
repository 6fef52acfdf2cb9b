"""The masked losses summed as they should be, then divided by N·T, every position of the
batch, instead of Σ mask, the positions that count: value and gradient alike."""
MODULE = "embedding"
EXERCISE = "week5.temporal_softmax"
HINT = "dividing by N·T (every position) instead of Σ mask"
EXERCISE_SCORE = 0


def temporal_softmax_loss(logits, targets, mask):
    logits = np.asarray(logits, dtype=float)
    targets = np.asarray(targets, dtype=np.int64)
    mask = np.asarray(mask).astype(float)
    count = mask.size
    z = logits - logits.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]
    dlogits = np.exp(logp)
    np.put_along_axis(dlogits, targets[..., None], np.take_along_axis(dlogits, targets[..., None], axis=-1) - 1.0,
                      axis=-1)
    return float(-(mask * picked).sum() / count), dlogits * (mask / count)[..., None]
