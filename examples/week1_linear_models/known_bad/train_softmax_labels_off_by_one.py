"""A softmax classifier trained on labels shifted by one ((y + 1) mod K): a mislabeled model."""
MODULE = "training"
EXERCISE = "week1.train_softmax"
HINT = "far below chance"

_reference_train_softmax = train_softmax_classifier


def train_softmax_classifier(X, y, num_classes, rng):
    return _reference_train_softmax(X, (y + 1) % num_classes, num_classes, rng)
