"""Convolution and max pooling, filled in from the blank stubs, are torch.nn.functional's
conv2d and max_pool2d, and both backward passes are autograd's (the cache keeps the inputs;
the backward pass runs the forward again with requires_grad and calls backward()). Each
function imports torch inside its body. conv.py is NumPy-only (week 3's rubric): every call
fails and the feedback names torch. Without the rule this scored 18/18."""
BASE = "student_template"
MODULE = "conv"
EXERCISE = "week3.conv_forward week3.conv_backward week3.maxpool"
HINT = "conv.py may use NumPy and the Python standard library only; it imported torch"


def _t(a, grad=False):
    import torch

    return torch.tensor(np.array(a, dtype=np.float64), requires_grad=grad)  # noqa: F821 (the template's numpy)


def conv2d_forward(x, w, b, stride=1, padding=0):
    import torch.nn.functional as F

    out = F.conv2d(_t(x), _t(w), _t(b), stride=stride, padding=padding)
    return out.numpy(), (np.asarray(x), np.asarray(w), np.asarray(b), stride, padding)  # noqa: F821


def conv2d_backward(dout, cache):
    import torch.nn.functional as F

    x, w, b, stride, padding = cache
    xt, wt, bt = _t(x, True), _t(w, True), _t(b, True)
    F.conv2d(xt, wt, bt, stride=stride, padding=padding).backward(_t(dout))
    return xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


def maxpool2d_forward(x, kernel=2, stride=2):
    import torch.nn.functional as F

    return F.max_pool2d(_t(x), kernel, stride).numpy(), (np.asarray(x), kernel, stride)  # noqa: F821


def maxpool2d_backward(dout, cache):
    import torch.nn.functional as F

    x, kernel, stride = cache
    xt = _t(x, True)
    F.max_pool2d(xt, kernel, stride).backward(_t(dout))
    return xt.grad.numpy()
