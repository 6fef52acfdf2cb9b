"""Hidden checks for pca.py: rank-deficient data (only the components of nonzero eigenvalues
are determined; the others need only be orthonormal and orthogonal to them), fewer examples
than features with k = D, and repeated eigenvalues (judged on the eigenspace, not on
individual vectors), each with the reconstruction identity on the student's own fit."""

from grader.registry import check

from .public_pca import assert_fit, assert_reconstruction_identity, data_with_spectrum


@check("week4.pca", points=1)
def pca_rank_deficient_and_fewer_examples_than_features(sub, ref):
    """Check that pca_fit, encode and decode are right on data of rank 3 in 8 dimensions (k = 2, 5 and 8) and on 6 examples of 10 features (k = 3 and k = D = 10)."""
    X = data_with_spectrum(60, 8, (5.0, 2.0, 0.5), seed=420)
    for k in (2, 5, 8):
        assert_fit(sub, X, k)
        assert_reconstruction_identity(sub, X, k)
    X = data_with_spectrum(6, 10, (6.0, 3.0, 1.5, 0.7, 0.3), seed=421)
    for k in (3, 10):
        assert_fit(sub, X, k)
        assert_reconstruction_identity(sub, X, k)


@check("week4.pca", points=1)
def pca_repeated_eigenvalues_judged_on_the_eigenspace(sub, ref):
    """Check that pca_fit is right on data whose covariance has repeated eigenvalues (any orthonormal basis of each eigenspace is right), k cutting through a repeated eigenvalue too, and on float32 data."""
    X = data_with_spectrum(200, 7, (9.0, 3.0, 3.0, 3.0, 1.0, 1.0, 0.2), seed=430)
    for k in (2, 4, 5, 7):
        assert_fit(sub, X, k)
        assert_reconstruction_identity(sub, X, k)
    X = data_with_spectrum(150, 5, (4.0, 2.0, 1.0, 0.5, 0.25), seed=431).astype("float32").astype("float64")
    assert_fit(sub, X.astype("float32"), 3)
