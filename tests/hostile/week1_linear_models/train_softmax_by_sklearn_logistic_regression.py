"""train_softmax_classifier, filled in from the blank stub, fits scikit-learn's
LogisticRegression and returns its intercepts and coefficients as W: no gradient descent of
its own. training.py is NumPy-only (week 1's rubric): importing sklearn fails inside the call,
and the feedback names it. Without the rule this scored 4/4."""
BASE = "student_template"
MODULE = "training"
EXERCISE = "week1.train_softmax"
HINT = "training.py may use NumPy and the Python standard library only; it imported sklearn"


def train_softmax_classifier(X, y, num_classes, rng):
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(max_iter=2000).fit(X, y)
    return np.vstack([clf.intercept_[None, :], clf.coef_.T])  # noqa: F821 (the template's numpy)
