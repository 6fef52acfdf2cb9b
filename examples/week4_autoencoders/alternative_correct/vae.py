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


class TwoHeadVAE(nn.Module):
    """One encoder network whose last layer gives mu and logvar side by side; ELU activations."""

    def __init__(self, input_shape, latent_dim):
        super().__init__()
        size = math.prod(input_shape)
        self.input_shape = tuple(input_shape)
        self.latent_dim = latent_dim
        self.enc = nn.Sequential(nn.Flatten(), nn.Linear(size, 320), nn.ELU(), nn.Linear(320, 2 * latent_dim))
        self.dec = nn.Sequential(nn.Linear(latent_dim, 320), nn.ELU(), nn.Linear(320, size))

    def encode(self, x):
        h = self.enc(x)
        return h[:, :self.latent_dim], h[:, self.latent_dim:]

    def decode(self, z):
        return self.dec(z).view(-1, *self.input_shape)


def build_vae(input_shape, latent_dim):
    return TwoHeadVAE(input_shape, latent_dim)
