"""A convolutional VAE; the NumPy pieces written with other algebra."""

import numpy as np
import torch
from torch import nn


def reparameterize(mu, logvar, eps):
    return mu + np.sqrt(np.exp(logvar)) * eps


def gaussian_kl(mu, logvar):
    n = len(mu)
    var = np.exp(logvar)
    per_example = -0.5 * (1 + logvar - mu * mu - var).sum(axis=1)
    return per_example.mean(), mu / n, (var - 1) / (2 * n)


class ConvVAE(nn.Module):
    def __init__(self, input_shape, latent_dim):
        super().__init__()
        channels, height, width = input_shape
        h, w = height // 4, width // 4
        self.features = nn.Sequential(
            nn.Conv2d(channels, 16, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten(),
        )
        self.head = nn.Linear(32 * h * w, 2 * latent_dim)
        self.expand = nn.Sequential(nn.Linear(latent_dim, 32 * h * w), nn.ReLU(), nn.Unflatten(1, (32, h, w)))
        self.up = nn.Sequential(
            nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(16, channels, 4, stride=2, padding=1),
        )

    def encode(self, x):
        mu, logvar = self.head(self.features(x)).chunk(2, dim=1)
        return mu, logvar

    def decode(self, z):
        return self.up(self.expand(z))


def build_vae(input_shape, latent_dim):
    return ConvVAE(input_shape, latent_dim)
