"""Nesterov momentum computed as plain momentum: the look-ahead term is missing."""
MODULE = "optimizers"
EXERCISE = "week1.nesterov"
HINT = "plain momentum without Nesterov"


class Nesterov(Optimizer):
    def __init__(self, params, lr, momentum=0.9):
        super().__init__(params)
        self.lr, self.momentum = lr, momentum
        self.v = [np.zeros_like(p) for p in self.params]

    def step(self, grads):
        for p, g, v in zip(self.params, grads, self.v):
            v[...] = self.momentum * v + g
            p -= self.lr * v
