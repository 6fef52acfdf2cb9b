"""Week 3, models: written independently of the reference solution.

* ``ResidualBlock`` keeps the biases of its convolutions (redundant before batch norm,
  but allowed) and adds x in place to the second branch.
* ``build_cnn`` is a different network: a 5×5 stem, biases off, a residual block of its
  own (not ``ResidualBlock``, so that this exercise stands alone) before the global max pooling.
"""

import torch
from torch import nn


class ResidualBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, stride=1, padding=1)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, stride=1, padding=1)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        branch = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        branch += x
        return torch.relu(branch)


class _Residual(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels), nn.ReLU(),
            nn.Conv2d(channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels))

    def forward(self, x):
        return torch.relu(x + self.body(x))


def build_cnn(in_channels, num_classes):
    return nn.Sequential(
        nn.Conv2d(in_channels, 24, 5, padding=2, bias=False), nn.BatchNorm2d(24), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(24, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        _Residual(32),
        nn.AdaptiveMaxPool2d(1), nn.Flatten(),
        nn.Linear(32, num_classes))
