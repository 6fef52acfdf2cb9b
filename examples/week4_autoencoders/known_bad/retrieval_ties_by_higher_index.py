"""Nearest neighbours whose equal distances come in decreasing index order."""
MODULE = "retrieval"
EXERCISE = "week4.retrieval"
HINT = "breaking ties by the higher index"
EXERCISE_SCORE = 5


def nearest_neighbors(codes, queries, n):
    codes = np.asarray(codes, dtype=float)
    queries = np.asarray(queries, dtype=float)
    d = ((queries[:, None, :] - codes[None, :, :]) ** 2).sum(axis=2)
    order = np.argsort(d[:, ::-1], axis=1, kind="stable")  # reversed columns: ties now favour the last code
    return (d.shape[1] - 1 - order)[:, :n]
