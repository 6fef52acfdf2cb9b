"""Minibatches shuffled with numpy's global generator instead of the rng argument."""
MODULE = "training"
EXERCISE = "week1.minibatches"
HINT = "only from the rng argument"
EXERCISE_SCORE = 2


def iterate_minibatches(n, batch_size, rng):
    order = np.random.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]
