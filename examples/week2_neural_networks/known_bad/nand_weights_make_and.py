"""NAND_WEIGHTS that make an AND gate (w = (1, 1), b = −1.5): the sign of every weight flipped."""
MODULE = "perceptron"
EXERCISE = "week2.perceptron"
HINT = "That is AND"
EXERCISE_SCORE = 2  # perceptron itself is right; xor, built of these gates, fails too


def nand_weights():
    return np.array([1.0, 1.0]), -1.5
