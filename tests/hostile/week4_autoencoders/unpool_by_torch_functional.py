"""The transposed convolution and max unpooling, filled in from the blank stubs, are
torch.nn.functional's conv_transpose2d and max_unpool2d, and the backward passes are
autograd's (the cache keeps the inputs; the backward runs the forward again with
requires_grad and calls backward()). Each function imports torch inside its body.
unpool.py is NumPy-only (week 4's rubric): every call fails and the feedback names torch.
Without the rule this scored 10/10."""
BASE = "student_template"
MODULE = "unpool"
EXERCISE = "week4.conv_transpose week4.max_unpool"
HINT = "unpool.py may use NumPy and the Python standard library only; it imported torch"


def _t(a, grad=False):
    import torch

    return torch.tensor(np.array(a, dtype=np.float64), requires_grad=grad)  # noqa: F821 (the template's numpy)


def conv_transpose2d_forward(x, w, b, stride=1, padding=0):
    import torch.nn.functional as F

    out = F.conv_transpose2d(_t(x), _t(w), _t(b), stride=stride, padding=padding)
    return out.numpy(), (np.asarray(x), np.asarray(w), np.asarray(b), stride, padding)  # noqa: F821


def conv_transpose2d_backward(dout, cache):
    import torch.nn.functional as F

    x, w, b, stride, padding = cache
    xt, wt, bt = _t(x, True), _t(w, True), _t(b, True)
    F.conv_transpose2d(xt, wt, bt, stride=stride, padding=padding).backward(_t(dout))
    return xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


def max_unpool2d(x, indices, kernel=2, stride=2, output_size=None):
    import torch
    import torch.nn.functional as F

    size = None if output_size is None else tuple(output_size)[-2:]
    return F.max_unpool2d(_t(x), torch.as_tensor(np.asarray(indices)), kernel, stride,  # noqa: F821
                          output_size=size).numpy()


def max_unpool2d_backward(dout, indices):
    import torch

    d = _t(dout)
    idx = torch.as_tensor(np.asarray(indices))  # noqa: F821
    n, c = idx.shape[:2]
    return d.reshape(n, c, -1).gather(2, idx.reshape(n, c, -1)).reshape(idx.shape).numpy()
