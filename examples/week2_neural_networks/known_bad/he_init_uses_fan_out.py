"""he_init with variance 2/fan_out instead of 2/fan_in."""
MODULE = "layers"
EXERCISE = "week2.init"
HINT = "using fan_out instead of fan_in"
EXERCISE_SCORE = 2  # xavier_init is right; the draws are reproducible and independent


def he_init(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / fan_out), size=(fan_in, fan_out))
