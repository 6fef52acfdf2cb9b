"""Losses with a forward and a backward pass: softmax cross-entropy and the mean squared error.

``forward(pred, target)`` returns the loss as a Python float and remembers what
``backward()`` needs; ``backward()`` returns ∂loss/∂pred, shaped like ``pred``.
Both losses are means, so their gradients carry a factor 1/N (1/size for MSE).
"""

import numpy as np


class SoftmaxCrossEntropy:
    """L = −(1/N) Σᵢ log softmax(Z)[i, yᵢ], with ∂L/∂Z = (softmax(Z) − onehot(y)) / N."""

    def forward(self, logits, labels):
        """The mean cross-entropy of the logits Z (N, K) for integer labels y (N,), as a float.

        The log-probabilities are Z − m − log Σ exp(Z − m) with m each row's maximum
        (log-sum-exp), never log(softmax(Z)): finite for logits up to 1e4 and beyond.
        """
        raise NotImplementedError("week2.loss")

    def backward(self):
        """∂L/∂Z = (softmax(Z) − onehot(y)) / N for the last forward, shape (N, K)."""
        raise NotImplementedError("week2.loss")


class MSELoss:
    """L = mean((pred − target)²) over all elements, with ∂L/∂pred = 2(pred − target) / size."""

    def forward(self, pred, target):
        """The mean squared error over every element of pred and target (same shape), as a float."""
        raise NotImplementedError("week2.loss")

    def backward(self):
        """∂L/∂pred = 2(pred − target) / pred.size for the last forward, shaped like pred."""
        raise NotImplementedError("week2.loss")
