"""Week 3, models: written independently of the reference solution.

* ``ResidualBlock`` keeps its layers in one ``nn.Sequential`` called ``body`` (no attribute
  is named conv1, bn1, conv2 or bn2), the first convolution with a bias and the second
  without, and applies the ReLUs with ``torch.nn.functional.relu``: the contract gives the
  computation, not the attribute names.
* ``build_cnn`` is another network: a 3×3 stem, then this file's ``ResidualBlock`` between
  two max poolings, a wider convolution and a global max pooling before the Linear head.
"""

import torch.nn.functional as F
from torch import nn


class ResidualBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, kernel_size=(3, 3), padding=(1, 1), bias=True),
            nn.BatchNorm2d(channels),
            nn.ReLU(),
            nn.Conv2d(channels, channels, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(channels),
        )

    def forward(self, x):
        return F.relu(self.body(x) + x)


def build_cnn(in_channels, num_classes):
    return nn.Sequential(
        nn.Conv2d(in_channels, 24, 3, padding=1, bias=False), nn.BatchNorm2d(24), nn.ReLU(),
        nn.MaxPool2d(2),
        ResidualBlock(24),
        nn.MaxPool2d(2),
        nn.Conv2d(24, 48, 3, padding=1, bias=False), nn.BatchNorm2d(48), nn.ReLU(),
        nn.AdaptiveMaxPool2d(1), nn.Flatten(),
        nn.Linear(48, num_classes))
