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
    raise NotImplementedError("week4.retrieval")
