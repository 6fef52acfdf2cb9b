"""Polynomial features from exponent tuples sorted by total degree: the right monomials, not scikit-learn's order."""
import itertools

MODULE = "regression"
EXERCISE = "week1.polynomial_features"
HINT = "wrong order"
EXERCISE_SCORE = 0


def polynomial_features(X, degree):
    X = np.asarray(X, dtype=float)
    powers = [p for p in itertools.product(range(degree + 1), repeat=X.shape[1]) if sum(p) <= degree]
    powers.sort(key=sum)  # by degree, but within a degree x2 comes before x1
    return np.stack([np.prod(X ** np.array(p), axis=1) for p in powers], axis=1)
