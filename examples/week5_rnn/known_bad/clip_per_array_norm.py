"""Gradient clipping that scales each array by its own norm instead of one total norm over all of them."""
MODULE = "rnn"
EXERCISE = "week5.clip"
HINT = "clipping each array by its own norm"
EXERCISE_SCORE = 1  # below the threshold nothing changes, as it should


def clip_grad_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(np.square(g, dtype=float)) for g in grads)))
    for g in grads:
        norm = float(np.linalg.norm(g))
        if norm > max_norm:
            g *= max_norm / (norm + 1e-6)
    return total
