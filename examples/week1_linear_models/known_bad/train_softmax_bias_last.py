"""A well-trained softmax classifier that stores the bias in the last row of W instead of the first."""
MODULE = "training"
EXERCISE = "week1.train_softmax"
HINT = "bias must be the FIRST row"

_reference_train_softmax = train_softmax_classifier


def train_softmax_classifier(X, y, num_classes, rng):
    W = _reference_train_softmax(X, y, num_classes, rng)
    return np.vstack([W[1:], W[:1]])
