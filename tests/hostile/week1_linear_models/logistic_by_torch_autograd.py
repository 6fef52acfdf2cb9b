"""The logistic loss and its gradient, filled in from the blank stubs, are left to torch:
the loss by torch.logaddexp, the gradient by autograd's backward(), each importing torch
inside the function. classification.py is NumPy-only (week 1's rubric): the module imports
fine, every call that imports torch fails, and the feedback names torch. Without the rule
this scored 3/3."""
BASE = "student_template"
MODULE = "classification"
EXERCISE = "week1.logistic"
HINT = "classification.py may use NumPy and the Python standard library only; it imported torch"


def _loss(wt, X, y):
    import torch

    s = torch.as_tensor(np.asarray(X, dtype=np.float64)) @ wt  # noqa: F821 (the template's numpy)
    return torch.mean(torch.logaddexp(torch.zeros_like(s), s) - torch.as_tensor(np.asarray(y, dtype=np.float64)) * s)


def logistic_loss(w, X, y):
    import torch

    return float(_loss(torch.as_tensor(np.asarray(w, dtype=np.float64)), X, y))  # noqa: F821


def logistic_grad(w, X, y):
    import torch

    wt = torch.tensor(np.asarray(w, dtype=np.float64), requires_grad=True)  # noqa: F821
    _loss(wt, X, y).backward()
    return wt.grad.numpy()
