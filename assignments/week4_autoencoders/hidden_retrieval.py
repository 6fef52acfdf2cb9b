"""Hidden checks for retrieval.py, exact neighbours: n = 1, n = M (the whole database in
order), a single query, one-dimensional codes (ties on both sides of a query), float32
codes, and a database of 20 000 float32 codes of size 16."""

import numpy as np

from grader.registry import check

from .public_retrieval import assert_exact_neighbors, assert_neighbors_by_distance, integer_codes


@check("week4.retrieval", points=1)
def nearest_neighbors_edge_cases(sub, ref):
    """Check that nearest_neighbors is right with n = 1, n = M, a single query, codes of size 1 with ties on both sides, float32 codes, and 20000 codes of size 16."""
    codes, queries = integer_codes(25, 3, 6, seed=620)
    assert_exact_neighbors(sub, codes, queries, 1)
    assert_exact_neighbors(sub, codes, queries, 25)
    assert_exact_neighbors(sub, codes, queries[1:2], 4)
    line = np.array([[3.0], [-1.0], [1.0], [0.0], [-1.0], [1.0], [2.0], [-2.0]])
    assert_exact_neighbors(sub, line, np.array([[0.0], [0.5], [-1.0]]), 8)
    codes, queries = integer_codes(50, 4, 7, seed=621)
    assert_exact_neighbors(sub, codes.astype(np.float32), queries.astype(np.float32), 10)
    rng = np.random.default_rng(622)
    codes = rng.normal(size=(20_000, 16)).astype(np.float32)
    assert_neighbors_by_distance(sub, codes, rng.normal(size=(40, 16)).astype(np.float32), 5)
