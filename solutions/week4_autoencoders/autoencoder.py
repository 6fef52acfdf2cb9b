"""Autoencoders in PyTorch: the builder of an encoder–decoder pair, and the noise a
denoising autoencoder learns to remove."""

import math

import torch
from torch import nn


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
    ### BEGIN SOLUTION week4.autoencoder
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
    ### END SOLUTION


def add_noise(x, sigma, generator):
    """x + sigma·ε, with ε standard normal noise of x's shape drawn from ``generator``.

    Args:
        x: a tensor (any shape, a floating dtype, any device).
        sigma: the noise's standard deviation, a float ≥ 0.
        generator: a ``torch.Generator`` (on x's device): the only source of randomness.

    Returns:
        A new tensor with x's shape, dtype and device (x itself is left unchanged).
    """
    ### BEGIN SOLUTION week4.denoising
    noise = torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)
    return x + sigma * noise
    ### END SOLUTION
