"""Nearest neighbours that sort the (Q, M) distance matrix along the queries instead of the codes."""
MODULE = "retrieval"
EXERCISE = "week4.retrieval"
HINT = "sorting the distance matrix along the wrong axis"
EXERCISE_SCORE = 0


def nearest_neighbors(codes, queries, n):
    codes = np.asarray(codes, dtype=float)
    queries = np.asarray(queries, dtype=float)
    d = ((queries[:, None, :] - codes[None, :, :]) ** 2).sum(axis=2)
    return np.argsort(d, axis=0, kind="stable")[:, :n]
