"""Gradient clipping that binds new, scaled arrays to the list's slots: the caller's arrays never change."""
MODULE = "rnn"
EXERCISE = "week5.clip"
HINT = "instead of scaling the caller's arrays in place"
EXERCISE_SCORE = 1  # below the threshold nothing should change anyway


def clip_grad_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(np.square(g, dtype=float)) for g in grads)))
    if total > max_norm:
        for k, g in enumerate(grads):
            grads[k] = g * (max_norm / (total + 1e-6))
    return total
