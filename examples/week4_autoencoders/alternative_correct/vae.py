"""Week 4, the VAE's pieces: written independently of the reference solution.

reparameterize and gaussian_kl work in float32 PyTorch and return torch tensors: the sample
as mu + std·eps with std = sqrt(exp(logvar)), the KL's value from the closed form and its
gradients from torch's autograd (loss.backward()), not from their formulas.
"""

import math

import numpy as np
import torch
from torch import nn


def reparameterize(mu, logvar, eps):
    mu, logvar, eps = (torch.as_tensor(np.asarray(a), dtype=torch.float32) for a in (mu, logvar, eps))
    return mu + torch.sqrt(torch.exp(logvar)) * eps


def gaussian_kl(mu, logvar):
    mu = torch.tensor(np.asarray(mu), dtype=torch.float32, requires_grad=True)
    logvar = torch.tensor(np.asarray(logvar), dtype=torch.float32, requires_grad=True)
    per_example = 0.5 * (logvar.exp() + mu.pow(2) - 1.0 - logvar).sum(dim=1)
    value = per_example.mean()
    value.backward()
    return value.detach(), mu.grad, logvar.grad


# the lead replaces this builder
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
