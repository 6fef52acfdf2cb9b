"""Noise drawn from torch's global generator (torch.randn_like) instead of the generator argument."""
MODULE = "autoencoder"
EXERCISE = "week4.denoising"
HINT = "drawing the noise from torch's global random generator"
EXERCISE_SCORE = 6


def add_noise(x, sigma, generator):
    return x + sigma * torch.randn_like(x)
