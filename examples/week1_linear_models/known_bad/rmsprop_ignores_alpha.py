"""RMSprop that hard-codes alpha = 0.99 and ignores the argument it is given."""
MODULE = "optimizers"
EXERCISE = "week1.rmsprop"
HINT = "ignoring the alpha argument"
EXERCISE_SCORE = 3


class RMSprop(Optimizer):
    def __init__(self, params, lr, alpha=0.99, eps=1e-8):
        super().__init__(params)
        self.lr, self.eps = lr, eps
        self.G = [np.zeros_like(p) for p in self.params]

    def step(self, grads):
        for p, g, G in zip(self.params, grads, self.G):
            G[...] = 0.99 * G + 0.01 * g * g
            p -= self.lr * g / (np.sqrt(G) + self.eps)
