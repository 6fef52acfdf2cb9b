"""Hidden checks for autoencoder.py's add_noise: float32 images of shape (N, C, H, W) with a
large sigma, a 1-D tensor, sigma = 0 (x itself, in both dtypes), and, when the grader runs on
a GPU, a CUDA tensor with a CUDA generator."""

import numpy as np

from grader.registry import CheckFailed, check

from .public_noise import RemoteTorch, assert_noise_statistics, noisy


@check("week4.denoising", points=1)
def add_noise_dtypes_shapes_and_sigma_zero(sub, ref):
    """Check that add_noise works on float32 images of shape (8, 3, 40, 40) with sigma = 2, on a 1-D float64 tensor, with sigma = 0 (x itself) in float32 and float64, and on the GPU when grading runs on one."""
    tt = RemoteTorch(sub)
    assert_noise_statistics(tt, (8, 3, 40, 40), 2.0, np.float32, seed=720, offset=3.0)
    assert_noise_statistics(tt, (30_000,), 0.1, np.float64, seed=721)
    for dtype in (np.float32, np.float64):
        x = np.random.default_rng(722).normal(size=(6, 7)).astype(dtype)
        what = f"add_noise(x, sigma=0.0, generator) for {np.dtype(dtype).name} x"
        got = noisy(tt, x, 0.0, tt.generator(723), what)
        if not np.array_equal(got, x):
            raise CheckFailed(f"{what} is not x itself (largest difference {np.abs(got - x).max():.3g}): with sigma = 0 "
                              "there is no noise.")
    if ref.device == "cuda" and tt.torch.get("cuda").is_available():
        assert_noise_statistics(tt, (200, 250), 0.5, np.float32, seed=724, device="cuda")
