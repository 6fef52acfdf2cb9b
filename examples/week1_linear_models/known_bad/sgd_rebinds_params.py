"""SGD that binds new arrays (p = p - lr·g) instead of updating the given ones in place."""
MODULE = "optimizers"
EXERCISE = "week1.sgd"
HINT = "in place"


class SGD(Optimizer):
    def __init__(self, params, lr):
        super().__init__(params)
        self.lr = lr

    def step(self, grads):
        self.params = [p - self.lr * g for p, g in zip(self.params, grads)]
