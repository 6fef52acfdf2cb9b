"""Nearest neighbours one query at a time, sorting (distance, index) pairs: written
independently of the reference solution."""

import numpy as np


def nearest_neighbors(codes, queries, n):
    codes = np.asarray(codes, dtype=np.float64)
    result = []
    for q in np.asarray(queries, dtype=np.float64):
        distances = np.sqrt(((codes - q) ** 2).sum(axis=1))
        ranked = sorted(zip(distances.tolist(), range(len(codes))))
        result.append([index for _, index in ranked[:n]])
    return np.array(result, dtype=np.int64)
