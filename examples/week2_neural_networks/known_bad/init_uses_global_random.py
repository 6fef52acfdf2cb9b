"""he_init and xavier_init drawn from NumPy's global generator instead of the rng argument."""
MODULE = "layers"
EXERCISE = "week2.init"
HINT = "only from the rng argument"
EXERCISE_SCORE = 3  # the statistics are right


def he_init(fan_in, fan_out, rng):
    return np.random.randn(fan_in, fan_out) * np.sqrt(2.0 / fan_in)


def xavier_init(fan_in, fan_out, rng):
    return np.random.randn(fan_in, fan_out) * np.sqrt(2.0 / (fan_in + fan_out))
