"""Hidden checks for losses.py: logits up to ±1e4 for the cross-entropy (finite and
right, gradient included), larger problems by directional derivatives, predictions of
other shapes for MSE, and a loss object used for two forward passes in a row."""

import numpy as np

from grader.registry import check

from .public_losses import TOL, assert_cross_entropy, assert_mse


@check("week2.loss", points=1)
def cross_entropy_extreme_logits(sub, ref):
    """Check that SoftmaxCrossEntropy is finite and right for logits of ±1e4, confidently wrong ones included."""
    Z = np.array([[1e4, -1e4, 0.0, 5.0],
                  [1e4, 1e4 - 3.0, -1e4, 0.0],
                  [-1e4, -1e4, -1e4, -1e4],
                  [2.0, -1.0, 1e4, 3.0],
                  [-1e4, 1e4, 1e4, -5.0]])
    y = np.array([1, 1, 2, 2, 3])  # rows 0, 1 and 4 put almost no probability on their label
    assert_cross_entropy(sub, Z, y, grad_rtol=TOL["extreme_grad_rtol"])


@check("week2.loss", points=1)
def losses_larger_and_reused(sub, ref):
    """Check that both losses are right on larger problems (directional derivatives), MSE on 1-d and 3-d predictions, and that backward follows the latest of two forwards."""
    rng = np.random.default_rng(52)
    assert_cross_entropy(sub, 3.0 * rng.normal(size=(200, 10)), rng.integers(0, 10, size=200), full=False)
    assert_mse(sub, rng.normal(size=(300, 8)), rng.normal(size=(300, 8)), full=False)
    assert_mse(sub, rng.normal(size=7), rng.normal(size=7))
    assert_mse(sub, rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 3, 2)))
    ce, mse = sub.losses.SoftmaxCrossEntropy(_keep=True), sub.losses.MSELoss(_keep=True)
    ce.forward(rng.normal(size=(9, 5)), rng.integers(0, 5, size=9))
    assert_cross_entropy(sub, rng.normal(size=(3, 5)), rng.integers(0, 5, size=3), loss=ce)
    mse.forward(rng.normal(size=(9, 2)), rng.normal(size=(9, 2)))
    assert_mse(sub, rng.normal(size=(4, 2)), rng.normal(size=(4, 2)), loss=mse)
