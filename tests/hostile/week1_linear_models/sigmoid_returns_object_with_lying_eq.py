"""sigmoid returns an object whose __eq__ always says True."""
MODULE = "classification"
EXERCISE = "week1.sigmoid"
HINT = "should be numbers"


class _AlwaysEqual:
    def __eq__(self, other):
        return True

    def __array__(self, *a, **k):
        return np.zeros(3)


def sigmoid(z):
    return _AlwaysEqual()
