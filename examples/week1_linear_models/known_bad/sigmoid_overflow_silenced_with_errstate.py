"""The textbook sigmoid 1/(1 + exp(−z)) with its overflow silenced by np.errstate(over="ignore"):
the values are right, but exp still overflows for z below about −709, and the warning reaches
the grader whatever the submission's own error state says."""
MODULE = "classification"
EXERCISE = "week1.sigmoid"
HINT = "overflow encountered in exp"
EXERCISE_SCORE = 1  # values on moderate inputs of any shape are right


def sigmoid(z):
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))
