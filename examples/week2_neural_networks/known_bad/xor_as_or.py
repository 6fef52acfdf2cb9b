"""xor built as OR(a, b) = NAND(NAND(a, a), NAND(b, b)): the case (1, 1) gives 1."""
MODULE = "perceptron"
EXERCISE = "week2.perceptron"
HINT = "That is OR"
EXERCISE_SCORE = 3


def xor(a, b):
    w, c = nand_weights()
    not_a = perceptron(np.array([a, a]), w, c)
    not_b = perceptron(np.array([b, b]), w, c)
    return perceptron(np.array([not_a, not_b]), w, c)
