"""Momentum whose velocity accumulates raw gradients: the learning rate is left out."""
MODULE = "optimizers"
EXERCISE = "week1.momentum"
HINT = "leaving the learning rate out"


class Momentum(Optimizer):
    def __init__(self, params, lr, momentum=0.9):
        super().__init__(params)
        self.lr, self.momentum = lr, momentum
        self.h = [np.zeros_like(p) for p in self.params]

    def step(self, grads):
        for p, g, h in zip(self.params, grads, self.h):
            h[...] = self.momentum * h + g
            p -= h
