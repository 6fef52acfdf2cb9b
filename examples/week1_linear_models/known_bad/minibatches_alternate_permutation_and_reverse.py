"""Minibatches from one permutation drawn once, then walked forwards and backwards on
alternate epochs: every pair of indices comes in either order equally often, but each
index only ever sits at two positions and each epoch is the previous one reversed."""
MODULE = "training"
EXERCISE = "week1.minibatches"
HINT = "consecutive epochs are not independent"
EXERCISE_SCORE = 2  # one epoch covers every index; two epochs differ and come only from rng

_orders = {}  # n -> the order of the last epoch


def iterate_minibatches(n, batch_size, rng):
    if n not in _orders:
        _orders[n] = rng.permutation(n)
    else:
        _orders[n] = _orders[n][::-1]
    order = _orders[n]
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]
