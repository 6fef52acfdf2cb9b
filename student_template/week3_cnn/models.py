"""Convolutional networks in PyTorch: a residual block, and a CNN classifier for small images."""

import torch
from torch import nn


class ResidualBlock(nn.Module):
    """out = relu(x + bn2(conv2(relu(bn1(conv1(x)))))): two 3×3 convolutions and a skip connection.

    Both convolutions map ``channels`` to ``channels`` with a 3×3 kernel, stride 1 and
    padding 1, so the output has the shape of the input and x can be added to it. Each is
    followed by batch normalization over the channels (``nn.BatchNorm2d``).
    Register the four layers in the block, under any names (attributes, or an
    ``nn.Sequential``): the grader finds the two ``nn.Conv2d`` and the two
    ``nn.BatchNorm2d`` among its submodules and reads their weights to compute what your
    block should output.

    Args:
        channels: the number of input (and output) channels.
    """

    def __init__(self, channels):
        super().__init__()
        raise NotImplementedError("week3.residual")

    def forward(self, x):
        """x of shape (N, channels, H, W) -> a tensor of the same shape."""
        raise NotImplementedError("week3.residual")


def build_cnn(in_channels, num_classes):
    """A CNN classifier: (N, in_channels, H, W) images -> (N, num_classes) logits.

    It must work for any number of input channels and any image size from 16×16 to
    64×64 (not necessarily square): end the convolutional part with a global pooling
    (``nn.AdaptiveAvgPool2d(1)`` or ``nn.AdaptiveMaxPool2d(1)``) so that the classifier
    head does not depend on the image size. The grader trains it with its own fixed
    recipe (Adam, cross-entropy on the logits, a fixed number of epochs and batch size)
    on the shapes data, and scores held-out accuracy.

    Args:
        in_channels: channels of the input images (3 for colour).
        num_classes: the number of classes, the length of each logit vector.

    Returns:
        A ``torch.nn.Module``.
    """
    raise NotImplementedError("week3.cnn")
