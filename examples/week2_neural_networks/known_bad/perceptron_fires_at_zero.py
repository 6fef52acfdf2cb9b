"""A perceptron that fires when w·x + b >= 0: the threshold is not strict, so a sum of exactly 0 gives 1."""
MODULE = "perceptron"
EXERCISE = "week2.perceptron"
HINT = "The threshold is strict"
EXERCISE_SCORE = 3  # NAND_WEIGHTS and xor never meet a sum of exactly 0


def perceptron(x, w, b):
    return int(np.dot(w, x) + b >= 0)
