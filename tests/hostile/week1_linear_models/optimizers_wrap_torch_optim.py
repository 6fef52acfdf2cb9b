"""Every optimizer of optimizers.py, filled in from the blank stubs, hands its update to
torch.optim on tensors that share memory with the NumPy parameters: not one update rule of
its own. optimizers.py is NumPy-only (week 1's rubric), so its `import torch` at the top of
the file fails all six exercises, with a message that says so. Without the rule this scored
24/24."""
BASE = "student_template"
MODULE = "optimizers"
EXERCISE = "week1.sgd week1.momentum week1.nesterov week1.adagrad week1.rmsprop week1.adam"
HINT = "optimizers.py may use NumPy and the Python standard library only; it imported torch"
import torch  # noqa: E402


class _TorchOptimizer(Optimizer):  # noqa: F821 (the template's base class)
    def __init__(self, params, make):
        super().__init__(params)
        self._tensors = [torch.from_numpy(p) for p in self.params]  # the same memory: updates land in params
        self._opt = make(self._tensors)

    def step(self, grads):
        for t, g in zip(self._tensors, grads):
            t.grad = torch.as_tensor(np.asarray(g)).to(t.dtype)  # noqa: F821 (the template's numpy)
        with torch.no_grad():
            self._opt.step()


class SGD(_TorchOptimizer):
    def __init__(self, params, lr):
        super().__init__(params, lambda ts: torch.optim.SGD(ts, lr=lr))


class Momentum(_TorchOptimizer):
    def __init__(self, params, lr, momentum=0.9):
        super().__init__(params, lambda ts: torch.optim.SGD(ts, lr=lr, momentum=momentum))


class Nesterov(_TorchOptimizer):
    def __init__(self, params, lr, momentum=0.9):
        super().__init__(params, lambda ts: torch.optim.SGD(ts, lr=lr, momentum=momentum, nesterov=True))


class AdaGrad(_TorchOptimizer):
    def __init__(self, params, lr, eps=1e-10):
        super().__init__(params, lambda ts: torch.optim.Adagrad(ts, lr=lr, eps=eps))


class RMSprop(_TorchOptimizer):
    def __init__(self, params, lr, alpha=0.99, eps=1e-8):
        super().__init__(params, lambda ts: torch.optim.RMSprop(ts, lr=lr, alpha=alpha, eps=eps))


class Adam(_TorchOptimizer):
    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, lambda ts: torch.optim.Adam(ts, lr=lr, betas=betas, eps=eps))
