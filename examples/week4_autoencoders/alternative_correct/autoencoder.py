"""Week 4, add_noise: written independently of the reference solution.

The noise is drawn as uniform numbers from the generator and turned into standard normal ones
by the Box–Muller transform, in x's dtype and on x's device; the result is a new tensor.
"""

import math

import torch
from torch import nn


def add_noise(x, sigma, generator):
    n = x.numel()
    half = (n + 1) // 2
    u1 = torch.rand(half, generator=generator, dtype=torch.float64, device=x.device)
    u2 = torch.rand(half, generator=generator, dtype=torch.float64, device=x.device)
    radius = torch.sqrt(-2.0 * torch.log1p(-u1))  # 1 − u1 lies in (0, 1]: no log(0)
    normal = torch.cat([radius * torch.cos(2 * math.pi * u2), radius * torch.sin(2 * math.pi * u2)])[:n]
    return x + (sigma * normal).reshape(x.shape).to(x.dtype)


# the lead replaces this builder
def build_autoencoder(input_shape, code_size):
    """An encoder and a decoder for inputs of shape ``input_shape``.

    The grader trains the pair as ``decoder(encoder(x))`` with its own recipe (Adam, mean
    squared error between the reconstruction and the input) and judges the reconstruction
    error on held-out images; it runs the encoder and the decoder in separate processes, so
    everything the decoder knows of an image must pass through the code.

    Args:
        input_shape: the shape of one input, e.g. ``(1, 16, 16)`` (channels, height, width).
        code_size: the size of the code.

    Returns:
        ``(encoder, decoder)``, two ``nn.Module``: the encoder maps a batch of shape
        ``(N, *input_shape)`` to codes of shape ``(N, code_size)``, the decoder maps codes
        back to shape ``(N, *input_shape)``.
    """
    size = math.prod(input_shape)
    encoder = nn.Sequential(
        nn.Flatten(),
        nn.Linear(size, 256), nn.ReLU(),
        nn.Linear(256, 128), nn.ReLU(),
        nn.Linear(128, code_size),
    )
    decoder = nn.Sequential(
        nn.Linear(code_size, 128), nn.ReLU(),
        nn.Linear(128, 256), nn.ReLU(),
        nn.Linear(256, size),
        nn.Unflatten(1, tuple(input_shape)),
    )
    return encoder, decoder
