"""Public checks for pca.py: pca_fit against two oracles, NumPy's eigendecomposition of
the covariance (1/N) and scikit-learn's PCA, each row judged up to its sign; pca_encode and
pca_decode against their formulas; and, on the student's own fit, encode and decode, the
identity "mean squared reconstruction error = sum of the discarded eigenvalues".

A row of `components` is judged by how far it lies from the eigenspace of the eigenvalue at
its position (in decreasing order): for a simple eigenvalue that space is one line, so the
row must be ± its eigenvector; for a repeated eigenvalue (or the zero eigenvalue of
rank-deficient data) any orthonormal basis of the space is right, and the rows there are
judged only on lying in it. The test data are made with a prescribed covariance: simple
eigenvalues at least a factor 2 apart, or exactly equal ones where a check tests them.
"""

import numpy as np
from scipy.linalg import null_space
from sklearn.decomposition import PCA

from grader.backward import unpack
from grader.compare import as_array, assert_finite, fmt
from grader.oracles import assert_close_scaled
from grader.registry import CheckFailed, check, load_rubric

TOL = load_rubric(__file__)["pca"]

HINT = ("Expected the mean of the rows of X, and as components the eigenvectors of the covariance "
        "(1/N)·(X − mean)ᵀ(X − mean) with the k largest eigenvalues, one per row, largest first.")


# --- data with a prescribed covariance ----------------------------------------------------


def data_with_spectrum(N, D, eigenvalues, seed, offset=3.0):
    """X of shape (N, D) whose covariance (1/N) is exactly V·diag(eigenvalues)·Vᵀ (up to rounding)
    for a random orthonormal V, the eigenvalues padded with zeros to D; its mean is random, of size
    about `offset`. Needs N > the number of nonzero eigenvalues."""
    rng = np.random.default_rng(seed)
    lam = np.zeros(D)
    lam[:len(eigenvalues)] = eigenvalues
    r = int(np.count_nonzero(lam))
    Z = rng.normal(size=(N, r))
    Z = np.linalg.qr(Z - Z.mean(axis=0))[0] * np.sqrt(N)  # centred columns with Zᵀ Z / N = I
    V = np.linalg.qr(rng.normal(size=(D, D)))[0]
    return Z @ (np.sqrt(lam[:r])[:, None] * V[:, :r].T) + rng.normal(0, offset, size=D)


# --- the oracles ----------------------------------------------------------------------------


def numpy_oracle(X):
    """(eigenvalues in decreasing order, eigenvectors as columns) of the covariance (1/N), by np.linalg.eigh."""
    X = np.asarray(X, dtype=np.float64)
    Xc = X - X.mean(axis=0)
    lam, V = np.linalg.eigh(Xc.T @ Xc / len(X))
    return lam[::-1], V[:, ::-1]


def sklearn_oracle(X):
    """The same from scikit-learn's PCA (all min(N, D) components; where N < D the remaining
    directions, the null space of the covariance, complete the basis with eigenvalue 0)."""
    X = np.asarray(X, dtype=np.float64)
    N, D = X.shape
    pca = PCA(n_components=min(N, D), svd_solver="full").fit(X)
    lam = pca.explained_variance_ * (N - 1) / N  # scikit-learn divides by N − 1
    V = pca.components_.T
    if V.shape[1] < D:
        V = np.hstack([V, null_space(pca.components_)])
        lam = np.concatenate([lam, np.zeros(D - len(lam))])
    return lam, V


def eigenspace(lam, V, i):
    """The orthonormal basis (D, m) of the eigenspace of lam[i]: eigenvalues within
    TOL["degenerate_rtol"]·max(lam) of it count as equal."""
    same = np.abs(lam - lam[i]) <= TOL["degenerate_rtol"] * max(float(lam[0]), 1e-300)
    return V[:, same], int(same.sum())


def same_up_to_sign(G, M, atol):
    """Whether each row of G is ± the same row of M, within atol."""
    G, M = np.asarray(G, dtype=np.float64), np.asarray(M, dtype=np.float64)
    if G.shape != M.shape:
        return False
    err = np.minimum(np.abs(G - M).max(axis=1, initial=0.0), np.abs(G + M).max(axis=1, initial=0.0))
    return bool((err <= atol).all())


def fit_mistakes(X, k):
    """What the common wrong pca_fit return as components, by label."""
    X = np.asarray(X, dtype=np.float64)
    lam, V = numpy_oracle(X)
    lam_raw, V_raw = np.linalg.eigh(X.T @ X / len(X))
    return {
        "not centring X before the eigendecomposition (the eigenvectors of XᵀX/N instead of the covariance; "
        "subtract the mean first)": V_raw[:, ::-1][:, :k].T,
        "taking the k eigenvectors with the smallest eigenvalues (np.linalg.eigh returns the eigenvalues in "
        "increasing order: reverse them, largest first)": V[:, ::-1][:, :k].T,
        "returning the components as the columns of a (D, k) array instead of the rows of a (k, D) one "
        "(return the transpose)": V[:, :k] if k == X.shape[1] else None,
    }


# --- judging the components -------------------------------------------------------------


def assert_components(got, lam, V, k, what, oracle, mistakes=None):
    """Rows orthonormal, and row i in the eigenspace of the i-th largest eigenvalue of the oracle
    (lam, V) named `oracle`; the known mistakes (label -> components) are matched up to sign."""
    atol = TOL["component_atol"]
    D = V.shape[0]
    G = as_array(got, what)
    if G.shape != (k, D):
        if G.shape == (D, k):
            raise CheckFailed(f"{what} has shape {G.shape}, expected (k, D) = {(k, D)}",
                              mistake="returning the components as the columns of a (D, k) array instead of the rows "
                                      "of a (k, D) one (return the transpose)")
        raise CheckFailed(f"{what} has shape {G.shape}, expected (k, D) = {(k, D)}: one component per row")
    assert_finite(G, what)
    mistake = next((label for label, M in (mistakes or {}).items() if M is not None and same_up_to_sign(G, M, atol)),
                   None)
    gram = G @ G.T
    bad = np.abs(gram - np.eye(k))
    if bad.max() > atol:
        i, j = np.unravel_index(int(np.argmax(bad)), bad.shape)
        kind = f"row {i} has squared norm {fmt(gram[i, i])}" if i == j else \
            f"rows {i} and {j} have dot product {fmt(gram[i, j])}"
        raise CheckFailed(f"the rows of {what} are not orthonormal: {kind} (expected {int(i == j)}).",
                          mistake=mistake)
    for i in range(k):
        B, m = eigenspace(lam, V, i)
        err = distance_to(G[i], B)
        if err <= atol:
            continue
        if m == 1:
            e = V[:, i] * (1.0 if G[i] @ V[:, i] >= 0 else -1.0)
            j = int(np.argmax(np.abs(G[i] - e)))
            msg = (f"row {i} of {what} is not ± the eigenvector of the covariance with the {ordinal(i)}largest "
                   f"eigenvalue ({fmt(lam[i])}, by {oracle}): at column {j} got {fmt(G[i, j])}, expected "
                   f"{fmt(e[j])} (or its negative).")
        else:
            msg = (f"row {i} of {what} does not lie in the eigenspace of the covariance's eigenvalue "
                   f"{fmt(lam[i])} (by {oracle}, of multiplicity {m}): it is {fmt(err)} away from it.")
        others = [j for j in range(D) if eigenspace(lam, V, j)[1] and not np.array_equal(eigenspace(lam, V, j)[0], B)
                  and distance_to(G[i], eigenspace(lam, V, j)[0]) <= atol]
        if others and not mistake:
            msg += (f" It is the eigenvector of the {ordinal(others[0])}largest eigenvalue ({fmt(lam[others[0]])}): "
                    "order the components by decreasing eigenvalue (explained variance).")
        raise CheckFailed(msg + ("" if mistake else " " + HINT), mistake=mistake)
    return G


def distance_to(g, B):
    """The largest element of g's component orthogonal to the span of B's columns."""
    return float(np.abs(g - B @ (B.T @ g)).max())


def ordinal(i):
    """0 -> '' (the largest), 1 -> '2nd ', 2 -> '3rd ', ..."""
    n = i + 1
    if n == 1:
        return ""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix} "


def fit(sub, X, k):
    """The student's pca_fit(X, k) as (mean, components) arrays, the mean judged."""
    what = f"pca_fit(X, k={k}) for X of shape {X.shape}"
    mean, components = unpack(sub.pca.pca_fit(X, k), what, ("mean", "components"))
    expected = np.asarray(X, dtype=np.float64).mean(axis=0)
    got = as_array(mean, f"the mean returned by {what}")
    if got.shape != expected.shape:
        extra = ": that is one mean per row (axis=1); take the mean over the rows, axis=0" \
            if got.shape == (X.shape[0],) else ""
        raise CheckFailed(f"the mean returned by {what} has shape {got.shape}, expected {expected.shape}{extra}")
    assert_close_scaled(got, expected, f"the mean returned by {what}", rtol=TOL["rtol"], atol=TOL["atol"],
                        hint="Expected X.mean(axis=0).")
    return got, components, what


def assert_fit(sub, X, k):
    """pca_fit(X, k) against both oracles; returns (mean, components) as arrays."""
    mean, components, what = fit(sub, X, k)
    mistakes = fit_mistakes(X, k)
    for oracle, (lam, V) in (("np.linalg.eigh", numpy_oracle(X)), ("scikit-learn's PCA", sklearn_oracle(X))):
        G = assert_components(components, lam, V, k, f"the components returned by {what}", oracle, mistakes)
    return mean, G


def assert_reconstruction_identity(sub, X, k):
    """On the student's own fit, encode and decode: Σ‖x − x̂‖²/N = the sum of the discarded eigenvalues."""
    mean, G = assert_fit(sub, X, k)
    N, D = X.shape
    what = f"pca_encode(X, mean, components) for X of shape {X.shape} and k={k}"
    Z = as_array(sub.pca.pca_encode(X, mean, G), f"the result of {what}", shape=(N, k))
    X_hat = as_array(sub.pca.pca_decode(Z, mean, G), f"the result of pca_decode(Z, mean, components) for k={k}",
                     shape=(N, D))
    assert_finite(X_hat, f"the result of pca_decode for k={k}")
    mse = float(((X - X_hat) ** 2).sum(axis=1).mean())
    lam = numpy_oracle(X)[0]
    expected = float(lam[k:].sum())
    scale = float((X ** 2).sum(axis=1).mean())  # the size of the terms the error is made of
    if abs(mse - expected) > TOL["identity_atol"] * scale:
        raise CheckFailed(
            f"with your pca_fit, pca_encode and pca_decode (X of shape {X.shape}, k={k}), the mean squared "
            f"reconstruction error Σ‖x − x̂‖²/N is {fmt(mse)}, expected the sum of the discarded eigenvalues of the "
            f"covariance, {fmt(expected)} (± {fmt(TOL['identity_atol'] * scale)}). Encoding is "
            "Z = (X − mean)·componentsᵀ, decoding X̂ = Z·components + mean.")


# --- encode and decode on the grader's own mean and components ------------------------------


def orthonormal_rows(k, D, seed):
    return np.linalg.qr(np.random.default_rng(seed).normal(size=(D, k)))[0].T


def assert_encode_decode(sub, N, D, k, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, D)) * 2 + 1
    mean = rng.normal(0, 3, size=D)
    W = orthonormal_rows(k, D, seed + 1)
    what = f"pca_encode(X, mean, components) for X of shape {X.shape} and components of shape {W.shape}"
    expected = (X - mean) @ W.T
    assert_close_scaled(sub.pca.pca_encode(X, mean, W), expected, f"the result of {what}", rtol=TOL["rtol"],
                        atol=TOL["atol"], mistakes={
                            "encoding without subtracting the mean (Z = X·componentsᵀ; expected (X − mean)·componentsᵀ)":
                                X @ W.T,
                            "encoding with the mean added instead of subtracted": (X + mean) @ W.T,
                        }, hint="Expected Z = (X − mean)·componentsᵀ.")
    Z = rng.normal(size=(N, k)) * 2
    what = f"pca_decode(Z, mean, components) for Z of shape {Z.shape} and components of shape {W.shape}"
    assert_close_scaled(sub.pca.pca_decode(Z, mean, W), Z @ W + mean, f"the result of {what}", rtol=TOL["rtol"],
                        atol=TOL["atol"], mistakes={
                            "decoding without adding the mean back (X̂ = Z·components; expected Z·components + mean)":
                                Z @ W,
                            "decoding with the mean subtracted instead of added back": Z @ W - mean,
                        }, hint="Expected X̂ = Z·components + mean.")


# --- week4.pca --------------------------------------------------------------------------------

FULL_RANK = (8.0, 4.0, 2.0, 1.0, 0.5, 0.25)  # each twice the next: well-separated eigenvalues


@check("week4.pca", points=2)
def pca_fit_matches_eigendecomposition(sub, ref):
    """Check that pca_fit gives the mean and, up to sign, the leading eigenvectors of the covariance (np.linalg.eigh and scikit-learn's PCA), k < D and k = D."""
    X = data_with_spectrum(300, 6, FULL_RANK, seed=400)
    for k in (3, 6, 1):
        assert_fit(sub, X, k)


@check("week4.pca", points=1)
def pca_encode_decode_and_reconstruction_error(sub, ref):
    """Check that pca_encode and pca_decode match their formulas, and that your fit, encode and decode reconstruct X with a mean squared error equal to the sum of the discarded eigenvalues."""
    assert_encode_decode(sub, 20, 7, 3, seed=410)
    X = data_with_spectrum(300, 6, FULL_RANK, seed=411)
    for k in (2, 4, 6):
        assert_reconstruction_identity(sub, X, k)
