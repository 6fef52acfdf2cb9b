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
    raise NotImplementedError("week4.autoencoder")


def add_noise(x, sigma, generator):
    """x + sigma·ε, with ε standard normal noise of x's shape drawn from ``generator``.

    Args:
        x: a tensor (any shape, a floating dtype, any device).
        sigma: the noise's standard deviation, a float ≥ 0.
        generator: a ``torch.Generator`` (on x's device): the only source of randomness.

    Returns:
        A new tensor with x's shape, dtype and device (x itself is left unchanged).
    """
    raise NotImplementedError("week4.denoising")
