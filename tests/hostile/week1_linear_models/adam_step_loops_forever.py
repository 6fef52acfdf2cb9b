"""Adam.step never returns."""
MODULE = "optimizers"
EXERCISE = "week1.adam"
HINT = "did not finish within"


class Adam(Optimizer):
    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params)

    def step(self, grads):
        while True:
            pass
