"""Minibatches from a random rotation of 0..n-1 (np.roll by a random offset): random, but not a uniform shuffle."""
MODULE = "training"
EXERCISE = "week1.minibatches"
HINT = "not a uniformly random permutation"
EXERCISE_SCORE = 2


def iterate_minibatches(n, batch_size, rng):
    order = np.roll(np.arange(n), int(rng.integers(n)))
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]
