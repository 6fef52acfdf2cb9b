"""Public checks for losses.py: values against torch.nn.functional (cross_entropy,
mse_loss) in float64, and each backward against torch autograd and against the
grader's numerical differentiation of its own formula (numdifftools' full gradient).
"""

import numpy as np
import torch
import torch.nn.functional as F
from scipy.special import softmax as scipy_softmax

from grader import gradcheck
from grader.compare import as_float, assert_close, fmt
from grader.oracles import cross_entropy_of, torch_vjp
from grader.registry import CheckFailed, check, load_rubric

TOL = load_rubric(__file__)["losses"]

CE_HINT = ("Compute the log-probabilities with log-sum-exp, Z − m − log Σ exp(Z − m) with m each row's maximum, "
           "never as log(softmax(Z)); backward returns (softmax(Z) − onehot(y)) / N.")
MSE_HINT = "Expected mean((pred − target)²) over every element, and backward 2·(pred − target) / pred.size."


def assert_loss_value(got, expected, what, mistakes=None, hint=""):
    value = as_float(got, what)
    if not np.isfinite(value):
        raise CheckFailed(f"{what} is {value}, expected {fmt(expected)}." + (f" {hint}" if hint else ""))
    assert_close(value, expected, what, rtol=TOL["loss_rtol"], atol=TOL["loss_atol"], mistakes=mistakes, hint=hint)


def assert_loss_gradient(f, x, got, expected, what, *, name, arg, full=True, mistakes=None, hint="", rtol=None):
    """A loss's backward against torch autograd (`expected`), then against numerical differentiation
    of the grader's own `f`."""
    rtol = rtol or TOL["grad_rtol"]
    scale = max(1.0, float(np.max(np.abs(expected))))
    assert_close(got, expected, what, rtol=rtol, atol=TOL["grad_atol"] * scale, mistakes=mistakes, hint=hint)
    gradcheck.assert_gradient(f, x, got, name=name, arg=arg, rtol=rtol, atol=TOL["grad_atol"], mistakes=mistakes,
                              full=full, hint=hint)


def assert_cross_entropy(sub, Z, y, full=True, loss=None, grad_rtol=None):
    """forward(Z, y) and backward() of the student's SoftmaxCrossEntropy (a fresh one unless `loss`);
    `grad_rtol` overrides the rubric's for the gradient (logits of ±1e4: extreme_grad_rtol)."""
    loss = loss or sub.losses.SoftmaxCrossEntropy(_keep=True)
    what = f"SoftmaxCrossEntropy().forward(Z, y) for Z of shape {Z.shape} with logits up to {fmt(np.abs(Z).max())}"
    # Judged on values (week 2's table asks "stays finite", it forbids no warning): log(softmax)
    # gives −inf for a confidently wrong row, and the loss is then infinite.
    value = loss.forward(Z, y)
    dZ = loss.backward()
    labels = torch.tensor(y, dtype=torch.int64)
    loss_t, (right,) = torch_vjp(lambda Zt: F.cross_entropy(Zt, labels), (Z,), 1.0)
    expected = float(loss_t)
    n = Z.shape[0]
    assert_loss_value(value, expected, what, hint=CE_HINT, mistakes={
        "summing the per-sample losses instead of averaging them": n * expected} if n > 1 else None)
    P = scipy_softmax(Z, axis=1)
    mistakes = {"softmax(Z)/N without subtracting the one-hot labels": P / n,
                "the gradient with the wrong sign ((onehot − softmax(Z))/N)": -right}
    if n > 1:
        mistakes["the gradient summed instead of averaged over the N rows (N times too large)"] = n * right
    assert_loss_gradient(cross_entropy_of(y), Z, dZ, right, f"backward() after {what}", name="the cross-entropy",
                         arg="Z", full=full, mistakes=mistakes, hint=CE_HINT, rtol=grad_rtol)


def assert_mse(sub, pred, target, full=True, loss=None):
    """forward(pred, target) and backward() of the student's MSELoss (a fresh one unless `loss`)."""
    loss = loss or sub.losses.MSELoss(_keep=True)
    what = f"MSELoss().forward(pred, target) for pred of shape {pred.shape}"
    value = loss.forward(pred, target)
    dpred = loss.backward()
    loss_t, (right,) = torch_vjp(lambda pt: F.mse_loss(pt, torch.tensor(target, dtype=torch.float64)), (pred,), 1.0)
    expected = float(loss_t)
    size, rows = pred.size, pred.shape[0]
    value_mistakes = {"summing the squared errors instead of averaging them": size * expected,
                      "halving the mean (the mean of (pred − target)²/2)": expected / 2}
    if size != rows:
        value_mistakes["dividing by the number of rows N instead of the number of elements"] = \
            expected * size / rows
    assert_loss_value(value, expected, what, mistakes=value_mistakes, hint=MSE_HINT)
    grad_mistakes = {"the gradient missing the factor 2 of the square ((pred − target)/size)": right / 2,
                     "the gradient with the wrong sign (2·(target − pred)/size)": -right,
                     "the gradient summed instead of averaged (size times too large)": size * right}
    if size != rows:
        grad_mistakes["dividing by the number of rows N instead of the number of elements"] = right * size / rows
    assert_loss_gradient(lambda p: np.mean((p - target) ** 2), pred, dpred, right, f"backward() after {what}",
                         name="the mean squared error", arg="pred", full=full, mistakes=grad_mistakes, hint=MSE_HINT)


# --- week2.loss -------------------------------------------------------------------


@check("week2.loss", points=1)
def cross_entropy_matches_torch(sub, ref):
    """Check that SoftmaxCrossEntropy matches torch's F.cross_entropy and its backward autograd and numerical differentiation, for batches of 6 and 1."""
    rng = np.random.default_rng(50)
    for n in (6, 1):
        assert_cross_entropy(sub, 2.0 * rng.normal(size=(n, 4)), rng.integers(0, 4, size=n))


@check("week2.loss", points=1)
def mse_matches_torch(sub, ref):
    """Check that MSELoss matches torch's F.mse_loss (the mean over every element) and its backward autograd and numerical differentiation."""
    rng = np.random.default_rng(51)
    assert_mse(sub, rng.normal(size=(5, 3)), rng.normal(size=(5, 3)))
