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
    ### BEGIN SOLUTION week4.vae
    return np.asarray(mu, dtype=float) + np.exp(np.asarray(logvar, dtype=float) / 2) * np.asarray(eps, dtype=float)
    ### END SOLUTION


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
    ### BEGIN SOLUTION week4.vae
    mu = np.asarray(mu, dtype=float)
    logvar = np.asarray(logvar, dtype=float)
    N = mu.shape[0]
    var = np.exp(logvar)
    value = 0.5 * np.sum(var + mu**2 - 1.0 - logvar) / N
    return float(value), mu / N, 0.5 * (var - 1.0) / N
    ### END SOLUTION


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
    ### BEGIN SOLUTION week4.vae_train
    return VAE(input_shape, latent_dim)


class VAE(nn.Module):
    """An MLP encoder to (mu, logvar) and an MLP decoder to pixel logits."""

    def __init__(self, input_shape, latent_dim):
        super().__init__()
        size = math.prod(input_shape)
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(size, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU())
        self.mu = nn.Linear(128, latent_dim)
        self.logvar = nn.Linear(128, latent_dim)
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, 128), nn.ReLU(),
            nn.Linear(128, 256), nn.ReLU(),
            nn.Linear(256, size), nn.Unflatten(1, tuple(input_shape)),
        )

    def encode(self, x):
        h = self.body(x)
        return self.mu(h), self.logvar(h)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        mu, logvar = self.encode(x)
        return self.decode(mu + torch.exp(logvar / 2) * torch.randn_like(mu)), mu, logvar
    ### END SOLUTION
