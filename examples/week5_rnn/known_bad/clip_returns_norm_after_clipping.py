"""Gradient clipping that returns the total norm measured after scaling (about max_norm) instead of before."""
MODULE = "rnn"
EXERCISE = "week5.clip"
HINT = "returning the norm after clipping"
EXERCISE_SCORE = 1  # below the threshold the two norms are the same


def clip_grad_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(np.square(g, dtype=float)) for g in grads)))
    if total > max_norm:
        for g in grads:
            g *= max_norm / (total + 1e-6)
    return float(np.sqrt(sum(np.sum(np.square(g, dtype=float)) for g in grads)))
