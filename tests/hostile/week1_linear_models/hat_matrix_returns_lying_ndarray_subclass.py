"""hat_matrix returns an ndarray subclass of zeros whose comparisons and arithmetic lie."""
MODULE = "regression"
EXERCISE = "week1.hat_matrix"
HINT = "expected"


class _Liar(np.ndarray):
    def __eq__(self, other):
        return True

    def __sub__(self, other):
        return np.zeros_like(np.asarray(other))

    __rsub__ = __sub__

    def __abs__(self):
        return np.zeros(self.shape)


def hat_matrix(X):
    return np.zeros((X.shape[0], X.shape[0])).view(_Liar)
