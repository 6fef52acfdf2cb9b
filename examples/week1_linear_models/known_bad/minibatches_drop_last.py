"""Minibatches that silently drop the last, shorter batch."""
MODULE = "training"
EXERCISE = "week1.minibatches"
HINT = "shorter batch with the remainder"


def iterate_minibatches(n, batch_size, rng):
    order = rng.permutation(n)
    for start in range(0, n - batch_size + 1, batch_size):
        yield order[start:start + batch_size]
