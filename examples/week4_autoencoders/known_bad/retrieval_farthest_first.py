"""Nearest neighbours read off the wrong end of the sorted distances: the farthest codes first."""
MODULE = "retrieval"
EXERCISE = "week4.retrieval"
HINT = "sorting from the farthest code to the nearest"
EXERCISE_SCORE = 0


def nearest_neighbors(codes, queries, n):
    codes = np.asarray(codes, dtype=float)
    queries = np.asarray(queries, dtype=float)
    d = ((queries[:, None, :] - codes[None, :, :]) ** 2).sum(axis=2)
    return np.argsort(-d, axis=1, kind="stable")[:, :n]
