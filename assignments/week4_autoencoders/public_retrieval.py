"""Public checks for retrieval.py, exact neighbours: nearest_neighbors against a brute-force
float64 oracle on codes with small integer coordinates and repeated rows, where many codes
lie at exactly the same distance from a query (ties go to the lower index), and against
scikit-learn's NearestNeighbors on real-valued codes.

With integer coordinates every squared distance, and every term of the expansion
‖q‖² − 2·q·c + ‖c‖², is a small integer, exact in float32 as in float64: any correct way of
computing the distances sees the same ties. On real-valued codes the neighbours are judged
by their distances (within the rubric's tolerance), so that an implementation in float32 or
with the expansion may order two codes whose distances differ by rounding either way.

`assert_neighbors_shape` and `neighbors` are shared: the trained retrieval check reads the
student's indices through them.
"""

import numpy as np
from sklearn.neighbors import NearestNeighbors

from grader.compare import as_array, assert_finite
from grader.registry import CheckFailed, check, load_rubric
from grader.sandbox import Handle

TOL = load_rubric(__file__)["retrieval_exact"]

HINT = ("Expected, for each query, the indices of the n codes with the smallest Euclidean distance, nearest first, "
        "codes at equal distance in increasing index order (np.argsort(d, axis=1, kind='stable')[:, :n] of the "
        "(Q, M) distances d).")


def assert_neighbors_shape(indices, Q, n, what, M=None, mistakes=None):
    """The student's `indices` as an int64 array of shape (Q, n): integers (in [0, M) when M is
    given), distinct within each row; CheckFailed saying what is wrong otherwise, naming the known
    mistake (`mistakes`: label -> the indices it gives) that `indices` equals, if any."""
    if isinstance(indices, Handle) and indices.type_name.startswith("torch"):  # retrieval.py may use torch
        indices = indices.detach().cpu().numpy()
    got = as_array(indices, what)
    mistake = next((label for label, m in (mistakes or {}).items()
                    if m is not None and np.shape(m) == got.shape and np.array_equal(got, m)), None)
    if got.shape != (Q, n):
        extra = ""
        if got.shape == (n, Q) and n != Q:
            extra = ": that is the transpose; one row per query"
        elif M is not None and got.shape == (Q, M) and n != M:
            extra = f": that is every code's index; keep the first n = {n} of each row"
        raise CheckFailed(f"{what} has shape {got.shape}, expected (Q, n) = {(Q, n)}{extra}")
    assert_finite(got, what)
    if not np.array_equal(got, np.round(got)):
        r, c = np.argwhere(got != np.round(got))[0]
        raise CheckFailed(f"{what} holds {got[r, c]:.6g} at index ({r}, {c}): expected integer indices into codes "
                          "(np.argsort's result), not distances")
    if M is not None and (got.min(initial=0) < 0 or got.max(initial=0) >= M):
        bad = got[(got < 0) | (got >= M)][0]
        raise CheckFailed(f"{what} holds the index {int(bad)}, outside the {M} codes (0 … {M - 1})")
    got = got.astype(np.int64)
    for q, row in enumerate(got):
        if len(set(row.tolist())) != n:
            raise CheckFailed(f"row {q} of {what} repeats an index ({row.tolist()}): each code at most once per query",
                              mistake=mistake)
    return got


def neighbors(sub, codes, queries, n, what=None):
    """The student's nearest_neighbors(codes, queries, n), checked for shape and range."""
    what = what or (f"the result of nearest_neighbors(codes, queries, n={n}) for {len(codes)} codes and "
                    f"{len(queries)} queries of size {np.shape(codes)[1]}")
    return assert_neighbors_shape(sub.retrieval.nearest_neighbors(codes, queries, n), len(queries), n, what,
                                  M=len(codes), mistakes=tie_mistakes(codes, queries, n))


def squared_distances(codes, queries):
    """(Q, M) squared Euclidean distances, from the differences, in float64."""
    c, q = np.asarray(codes, dtype=np.float64), np.asarray(queries, dtype=np.float64)
    return ((q[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)


def exact_neighbors(codes, queries, n):
    """The brute-force oracle: nearest first, equal distances by increasing index (exact for
    integer coordinates)."""
    return np.argsort(squared_distances(codes, queries), axis=1, kind="stable")[:, :n]


def tie_mistakes(codes, queries, n):
    d = squared_distances(codes, queries)
    M = d.shape[1]
    by_higher = np.array([np.lexsort((-np.arange(M), row))[:n] for row in d])
    return {
        "breaking ties by the higher index (equal distances must come in increasing index order: a stable sort, "
        "np.argsort(d, axis=1, kind='stable'), or the index as a second key)": by_higher,
        "sorting from the farthest code to the nearest (argsort of −d, or the end of the ascending order)":
            np.argsort(-d, axis=1, kind="stable")[:, :n],
        "sorting the distance matrix along the wrong axis (np.argsort(d, axis=0) sorts the queries for each code; "
        "expected axis=1, the codes for each query)":
            np.argsort(d, axis=0, kind="stable")[:, :n] if M >= n and len(d) >= 1 else None,
    }


def assert_exact_neighbors(sub, codes, queries, n, what=None):
    """The student's indices equal the oracle's exactly (codes with integer coordinates)."""
    got = neighbors(sub, codes, queries, n, what)
    expected = exact_neighbors(codes, queries, n)
    if np.array_equal(got, expected):
        return
    mistake = next((label for label, m in tie_mistakes(codes, queries, n).items()
                    if m is not None and m.shape == got.shape and np.array_equal(got, m)), None)
    q = int(np.flatnonzero((got != expected).any(axis=1))[0])
    d = squared_distances(codes, queries[q:q + 1])[0]
    what = what or f"nearest_neighbors(codes, queries, n={n}) for {len(codes)} codes with integer coordinates"
    raise CheckFailed(f"{what}: for query {q} got indices {got[q].tolist()} (squared distances "
                      f"{d[got[q]].astype(int).tolist()}), expected {expected[q].tolist()} (squared distances "
                      f"{d[expected[q]].astype(int).tolist()})." + ("" if mistake else " " + HINT), mistake=mistake)


def assert_neighbors_by_distance(sub, codes, queries, n, what=None):
    """The student's neighbours have scikit-learn's distances, in order, within the rubric's tolerance
    (real-valued codes: near-ties may go either way)."""
    got = neighbors(sub, codes, queries, n, what)
    dist, _ = NearestNeighbors(n_neighbors=n, algorithm="brute").fit(codes).kneighbors(queries)
    expected = dist ** 2
    d = squared_distances(codes, queries)
    got_d = np.take_along_axis(d, got, axis=1)
    c2, q2 = (np.asarray(codes, dtype=np.float64) ** 2).sum(axis=1), (np.asarray(queries, dtype=np.float64) ** 2).sum(axis=1)
    tol = TOL["distance_rtol"] * (q2 + c2.max())[:, None]  # the size of the terms a distance is made of
    bad = np.abs(got_d - expected) > tol
    if bad.any():
        q, j = (int(i) for i in np.argwhere(bad)[0])
        what = what or f"nearest_neighbors(codes, queries, n={n}) for {len(codes)} codes"
        farthest = bool(got_d[q, 0] > got_d[q, -1])
        raise CheckFailed(f"{what}: for query {q}, neighbour {j} is code {got[q, j]} at squared distance "
                          f"{got_d[q, j]:.6g}, expected the code at squared distance {expected[q, j]:.6g} (code "
                          f"{int(np.argsort(d[q], kind='stable')[j])}), by scikit-learn's NearestNeighbors."
                          + ("" if farthest else " " + HINT),
                          mistake="sorting from the farthest code to the nearest (argsort of −d, or the end of the "
                                  "ascending order)" if farthest else None)


def integer_codes(M, k, Q, seed, low=-2, high=2, repeats=4):
    """Codes with coordinates in [low, high], `repeats` of them copies of other codes, and queries
    of which every other one is a copy of a code."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(low, high + 1, size=(M, k)).astype(np.float64)
    for i in rng.choice(np.arange(1, M), size=repeats, replace=False):
        codes[i] = codes[rng.integers(0, i)]
    queries = rng.integers(low, high + 1, size=(Q, k)).astype(np.float64)
    queries[::2] = codes[rng.choice(M, size=len(queries[::2]), replace=False)]
    return codes, queries


# --- week4.retrieval (the exact part) ---------------------------------------------------------


@check("week4.retrieval", points=1)
def nearest_neighbors_exact_with_ties(sub, ref):
    """Check that nearest_neighbors returns each query's nearest codes, nearest first and equal distances by increasing index, on codes with small integer coordinates and repeated rows."""
    codes, queries = integer_codes(30, 3, 8, seed=600)
    assert_exact_neighbors(sub, codes, queries, 6)
    codes, queries = integer_codes(40, 2, 5, seed=601, low=-1, high=1)
    assert_exact_neighbors(sub, codes, queries, 12)


@check("week4.retrieval", points=1)
def nearest_neighbors_matches_scikit_learn(sub, ref):
    """Check that nearest_neighbors agrees with scikit-learn's NearestNeighbors on 300 real-valued codes of size 8 and 25 queries (n = 5)."""
    rng = np.random.default_rng(610)
    codes = rng.normal(size=(300, 8))
    queries = np.vstack([rng.normal(size=(20, 8)), codes[:5] + 0.01 * rng.normal(size=(5, 8))])
    assert_neighbors_by_distance(sub, codes, queries, 5)
