"""AdaGrad with eps under the square root: √(G + eps) instead of √G + eps."""
MODULE = "optimizers"
EXERCISE = "week1.adagrad"
HINT = "eps inside the square root"


class AdaGrad(Optimizer):
    def __init__(self, params, lr, eps=1e-10):
        super().__init__(params)
        self.lr, self.eps = lr, eps
        self.G = [np.zeros_like(p) for p in self.params]

    def step(self, grads):
        for p, g, G in zip(self.params, grads, self.G):
            G += g * g
            p -= self.lr * g / np.sqrt(G + self.eps)
