"""Noise added to x in place (x.add_), so the caller's clean images are lost."""
MODULE = "autoencoder"
EXERCISE = "week4.denoising"
HINT = "changing x in place"
EXERCISE_SCORE = 4


def add_noise(x, sigma, generator):
    noise = torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)
    return x.add_(sigma * noise)
