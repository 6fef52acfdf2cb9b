"""The textbook sigmoid 1/(1 + exp(−z)), whose exp overflows (with a RuntimeWarning) for z below about −709."""
MODULE = "classification"
EXERCISE = "week1.sigmoid"
HINT = "Only ever exponentiate −|z|"
EXERCISE_SCORE = 1  # values on moderate inputs of any shape are right


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))
