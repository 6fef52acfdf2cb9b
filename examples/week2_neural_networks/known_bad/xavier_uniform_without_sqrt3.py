"""xavier_init as U(−a, a) with a = √(2/(fan_in + fan_out)), forgetting that U(−a, a) has variance a²/3."""
MODULE = "layers"
EXERCISE = "week2.init"
HINT = "whose variance is a²/3"
EXERCISE_SCORE = 2  # he_init is right; the draws are reproducible and independent


def xavier_init(fan_in, fan_out, rng):
    limit = np.sqrt(2.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))
