"""Variational autoencoders: the reparameterisation, the KL term of the ELBO with its
gradients (NumPy), and a VAE in PyTorch.

The VAE's encoder gives each input a diagonal Gaussian q(z | x) = N(mu, diag(exp(logvar)))
over the latent space; its decoder gives the logits of Bernoulli means of the pixels. The
negative ELBO of an image is E_q[−log p(x | z)] + KL(q(z | x) ‖ N(0, I)).
"""

import math

import numpy as np
import torch
from torch import nn


def reparameterize(mu, logvar, eps):
    """A sample of N(mu, diag(exp(logvar))) written as a function of standard normal noise:
    z = mu + exp(logvar / 2)·eps.

    Args:
        mu, logvar, eps: arrays of the same shape (N, k); eps is standard normal.

    Returns:
        z of shape (N, k).
    """
    raise NotImplementedError("week4.vae")


def gaussian_kl(mu, logvar):
    """KL(N(mu, diag(exp(logvar))) ‖ N(0, I)) summed over the latent dimensions and averaged
    over the batch, with its gradients.

    KL of one example = ½·Σ_j (exp(logvar_j) + mu_j² − 1 − logvar_j).

    Args:
        mu, logvar: arrays of shape (N, k).

    Returns:
        ``(value, dmu, dlogvar)``: the mean KL (a float) and its gradients with respect to
        mu and logvar (each of shape (N, k)).
    """
    raise NotImplementedError("week4.vae")


def build_vae(input_shape, latent_dim):
    """A VAE for inputs of shape ``input_shape`` (pixel values in [0, 1]).

    The grader trains it with its own negative ELBO: for a batch x, ``mu, logvar =
    model.encode(x)``, z = mu + exp(logvar / 2)·ε with its own ε, ``logits =
    model.decode(z)``, and loss = mean over the batch of (Σ_pixels binary cross-entropy of
    sigmoid(logits) against x + KL(q(z | x) ‖ N(0, I))). Adam is its optimizer.

    Args:
        input_shape: the shape of one input, e.g. ``(1, 16, 16)``.
        latent_dim: the size of z.

    Returns:
        An ``nn.Module`` with ``encode(x) -> (mu, logvar)``, each of shape
        ``(N, latent_dim)``, and ``decode(z) -> logits`` of shape ``(N, *input_shape)``.
    """
    raise NotImplementedError("week4.vae_train")
