"""Noise scaled by sigma² instead of sigma (sigma taken for the variance the wrong way round)."""
MODULE = "autoencoder"
EXERCISE = "week4.denoising"
HINT = "scaling the noise by sigma²"
EXERCISE_SCORE = 5


def add_noise(x, sigma, generator):
    noise = torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)
    return x + sigma**2 * noise
