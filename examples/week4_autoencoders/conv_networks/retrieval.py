"""Retrieval by nearest neighbours in a code space."""

import numpy as np


def nearest_neighbors(codes, queries, n):
    """The indices of the n codes nearest to each query, in Euclidean distance.

    Args:
        codes: the database, shape (M, k).
        queries: shape (Q, k).
        n: how many neighbours per query, 1 ≤ n ≤ M.

    Returns:
        An integer array of shape (Q, n): row q lists indices into ``codes``, nearest
        first; codes at the same distance from the query come in increasing index order.
    """
    codes = np.asarray(codes, dtype=float)
    queries = np.asarray(queries, dtype=float)
    out = np.empty((len(queries), n), dtype=np.int64)
    chunk = max(1, 2_000_000 // max(1, codes.size))  # bounds the (chunk, M, k) differences in memory
    for start in range(0, len(queries), chunk):
        q = queries[start:start + chunk]
        # Differences, not ‖q‖² − 2q·c + ‖c‖²: equal distances stay exactly equal, so ties keep index order.
        d = ((q[:, None, :] - codes[None, :, :]) ** 2).sum(axis=2)
        out[start:start + chunk] = np.argsort(d, axis=1, kind="stable")[:, :n]
    return out
