"""Attention, filled in from the blank stub, is torch.nn.functional's scaled_dot_product_attention,
and its backward is autograd's (the cache keeps the inputs; the backward runs the forward again
with requires_grad and calls backward()). Each function imports torch inside its body.
attention.py is NumPy-only (week 5's rubric): every call fails and the feedback names torch.
Without the rule this scored full marks."""
BASE = "student_template"
MODULE = "attention"
EXERCISE = "week5.attention"
HINT = "attention.py may use NumPy and the Python standard library only; it imported torch"


def _t(a, grad=False):
    import torch

    return torch.tensor(np.array(a, dtype=np.float64), requires_grad=grad)  # noqa: F821 (the template's numpy)


def attention_forward(q, k, v, causal=False):
    import torch.nn.functional as F

    out = F.scaled_dot_product_attention(_t(q), _t(k), _t(v), is_causal=causal)
    return out.numpy(), (np.asarray(q), np.asarray(k), np.asarray(v), causal)  # noqa: F821


def attention_backward(dout, cache):
    import torch.nn.functional as F

    q, k, v, causal = cache
    qt, kt, vt = _t(q, True), _t(k, True), _t(v, True)
    F.scaled_dot_product_attention(qt, kt, vt, is_causal=causal).backward(_t(dout))
    return qt.grad.numpy(), kt.grad.numpy(), vt.grad.numpy()
