"""Public checks for autoencoder.py's add_noise, judged statistically, never on one random
stream: (out − x)/sigma over 100 000 elements must have mean 0 and variance 1 (within the
rubric's number of standard errors), no correlation between neighbouring elements, and the
shape of a standard normal distribution (a Kolmogorov–Smirnov test whose false-alarm
probability is that of the same number of standard errors); the output has x's shape, dtype
and device, and x is left unchanged. The randomness must come from the generator argument
alone: the same generator state gives the same noise, whatever torch's global generator
holds, and torch's global generator is neither read nor advanced.

PyTorch objects stay in the student's process. The grader reaches PyTorch there through the
student's module (its builtins' ``__import__``), makes its tensors with ``torch.tensor`` of
NumPy arrays and its generators with ``torch.Generator().manual_seed``, and reads tensors back
with ``.detach().cpu().numpy()``.
"""


import numpy as np
from scipy.stats import kstest

from grader.compare import describe, fmt
from grader.oracles import correlation_bound, false_alarm_of, mean_bound, variance_bound
from grader.registry import CheckFailed, check, load_rubric
from grader.sandbox import Handle

TOL = load_rubric(__file__)["noise"]

HINT = ("Expected x + sigma·torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device): standard "
        "normal noise from the generator argument, scaled by sigma (the standard deviation).")
GLOBAL_RNG = ("drawing the noise from torch's global random generator (torch.randn or torch.randn_like without "
              "generator=generator)")


class RemoteTorch:
    """PyTorch in the student's process, driven through handles."""

    def __init__(self, sub, module="autoencoder"):
        # The builtins of the student's module (a dict in every imported module) hold __import__;
        # torch is already loaded there (the rubric's preload), so this imports nothing new.
        self.torch = sub.call(sub.call(f"{module}.__builtins__.get", "__import__"), "torch")
        self.sub = sub

    def tensor(self, array, device="cpu"):
        """A new tensor holding `array` (its dtype kept), on `device`."""
        return self.torch.tensor(np.ascontiguousarray(array), device=device)

    def generator(self, seed, device="cpu"):
        """A new torch.Generator on `device`, seeded with `seed`."""
        g = self.torch.Generator(device=device)
        g.manual_seed(int(seed))
        return g

    def global_draw(self, seed):
        """torch.rand(16) right after torch.manual_seed(seed), as NumPy: what the global generator gives
        when nothing else drew from it."""
        self.torch.manual_seed(int(seed))
        return self.numpy(self.torch.rand(16), "torch.rand(16)")

    def numpy(self, value, what):
        """A tensor of the student's process as a NumPy array (its dtype kept)."""
        if not isinstance(value, Handle) or not value.type_name.startswith("torch"):
            raise CheckFailed(f"{what} should be a torch.Tensor, got {describe(value)}")
        arr = value.detach().cpu().numpy()
        if not isinstance(arr, np.ndarray):
            raise CheckFailed(f"{what} should be a torch.Tensor of real numbers, got {describe(value)}")
        return arr

    def device_type(self, tensor):
        return tensor.get("device").get("type")


def noisy(tt, x, sigma, generator, what, device="cpu"):
    """add_noise(x, sigma, generator) for a fresh copy of `x` in the student's process: (the result
    as NumPy, x as it is after the call), the result checked for type, shape, dtype and device."""
    remote_x = tt.tensor(x, device=device)
    out = tt.sub.autoencoder.add_noise(remote_x, sigma, generator)
    got = tt.numpy(out, f"the result of {what}")
    if got.shape != x.shape:
        raise CheckFailed(f"the result of {what} has shape {got.shape}, expected x's shape {x.shape}")
    if got.dtype != x.dtype:
        raise CheckFailed(f"the result of {what} has dtype {got.dtype}, expected x's dtype {x.dtype}: draw the noise "
                          "with dtype=x.dtype (torch.randn makes float32 by default)")
    out_device, x_device = tt.device_type(out), tt.device_type(remote_x)
    if out_device != x_device:
        raise CheckFailed(f"the result of {what} is on the device {out_device!r}, expected x's device {x_device!r}: "
                          "draw the noise with device=x.device")
    after = tt.numpy(remote_x, "x")
    if not np.array_equal(after, x):
        raise CheckFailed(f"{what} changed x in place (x.add_, x += …, or writing into x): return a new tensor and "
                          "leave x unchanged.", mistake="changing x in place instead of returning a new tensor")
    if not np.isfinite(got).all():
        raise CheckFailed(f"the result of {what} has non-finite values")
    return got


def assert_standard_normal(e, what, sigma):
    """e (the noise divided by sigma) looks like independent standard normal draws: the correlation of
    neighbours along the last and the first axis (first: noise repeated along an axis also skews the
    moments), the mean, the variance, and the Kolmogorov–Smirnov distance to N(0, 1)."""
    sigmas = TOL["sigmas"]
    e = np.asarray(e, dtype=np.float64)
    n = e.size
    if e.ndim >= 2:
        for axis, which in ((e.ndim - 1, "in the same row"), (0, "in neighbouring rows (along the first axis)")):
            a = np.moveaxis(e, axis, 0)
            first, second = a[:-1].ravel(), a[1:].ravel()
            r = float(np.corrcoef(first, second)[0, 1])
            bound = correlation_bound(first.size, sigmas)
            if not abs(r) <= bound:
                extra = (" The same noise is repeated along that axis: draw noise of x's whole shape, not of part of it "
                         "broadcast.") if r > 0.99 else ""
                raise CheckFailed(f"{what}: neighbouring noise values {which} are correlated (correlation {fmt(r)} over "
                                  f"{first.size} pairs, expected 0 ± {fmt(bound)}): every element needs its own "
                                  f"independent draw.{extra}")
    mean, var = float(e.mean()), float(e.var())
    mean_tol = mean_bound(1.0, n, sigmas)
    if abs(mean) > mean_tol:
        mistake = "drawing uniform noise on [0, 1) (torch.rand) instead of standard normal noise (torch.randn)" \
            if abs(mean - 0.5 / sigma) <= mean_tol * 2 else None
        raise CheckFailed(f"{what}: the mean of (out − x)/sigma over {n} elements is {fmt(mean)}, expected 0 ± "
                          f"{fmt(mean_tol)} ({sigmas:g} standard errors)." + ("" if mistake else " " + HINT),
                          mistake=mistake)
    var_tol = variance_bound(1.0, n, sigmas)
    if abs(var - 1.0) > var_tol:
        named = {f"scaling the noise by sigma² = {sigma ** 2:g} instead of sigma (sigma is the standard deviation)":
                     sigma ** 2,
                 "scaling the noise by √sigma (sigma taken for the variance)": 1.0 / sigma}
        mistake = next((label for label, v in named.items() if abs(var - v) <= variance_bound(v, n, sigmas)), None)
        raise CheckFailed(f"{what}: the variance of (out − x)/sigma over {n} elements is {fmt(var)}, expected 1 ± "
                          f"{fmt(var_tol)} ({sigmas:g} standard errors)." + ("" if mistake else " " + HINT),
                          mistake=mistake)
    statistic, p_value = kstest(e.ravel(), "norm")
    if p_value < false_alarm_of(sigmas):
        raise CheckFailed(f"{what}: (out − x)/sigma is not distributed as a standard normal: its Kolmogorov–Smirnov "
                          f"distance to N(0, 1) over {n} elements is {fmt(statistic)} (p = {p_value:.1e}, while a correct "
                          f"draw fails with probability {false_alarm_of(sigmas):.1e}). " + HINT)


def assert_noise_statistics(tt, shape, sigma, dtype, seed, device="cpu", offset=0.0):
    rng = np.random.default_rng(seed)
    x = (rng.uniform(-1, 1, size=shape) + offset).astype(dtype)
    what = f"add_noise(x, sigma={sigma:g}, generator) for {np.dtype(dtype).name} x of shape {shape} on {device}"
    got = noisy(tt, x, sigma, tt.generator(seed + 1, device), what, device)
    e = (got.astype(np.float64) - x.astype(np.float64)) / sigma
    assert_standard_normal(e, what, sigma)


# --- week4.denoising: add_noise -----------------------------------------------------------------


@check("week4.denoising", points=1)
def add_noise_is_standard_normal_noise_scaled_by_sigma(sub, ref):
    """Check that add_noise returns a new tensor of x's shape, dtype and device, leaves x unchanged, and that (out − x)/sigma over 100000 elements has mean 0, variance 1, uncorrelated neighbours and a standard normal distribution."""
    assert_noise_statistics(RemoteTorch(sub), (400, 250), 0.5, np.float64, seed=700)


@check("week4.denoising", points=1)
def add_noise_draws_only_from_the_generator(sub, ref):
    """Check that generators in the same state give the same noise whatever torch's global seed, that the next call on the same generator gives new noise, and that torch's global random generator is left alone."""
    tt = RemoteTorch(sub)
    x = np.random.default_rng(710).normal(size=(50, 40))
    what = "add_noise(x, sigma=0.3, generator)"
    expected_after = tt.global_draw(711)
    tt.torch.manual_seed(711)
    first = noisy(tt, x, 0.3, tt.generator(712), what)
    after = tt.numpy(tt.torch.rand(16), "torch.rand(16)")
    if not np.array_equal(after, expected_after):
        raise CheckFailed(f"{what} drew from torch's global random generator (after torch.manual_seed(711), torch.rand "
                          "gave other numbers once add_noise had run): draw only from the generator argument.",
                          mistake=GLOBAL_RNG)
    tt.torch.manual_seed(713)
    generator = tt.generator(712)
    second = noisy(tt, x, 0.3, generator, what)
    if not np.array_equal(first, second):
        raise CheckFailed(f"two calls of {what} with generators in the same state (seed 712) gave different noise: the "
                          "noise must depend on the generator argument alone.", mistake=GLOBAL_RNG)
    if np.array_equal(second, noisy(tt, x, 0.3, generator, what)):
        raise CheckFailed(f"two consecutive calls of {what} with the same generator gave the same noise: draw from the "
                          "generator as it is (do not re-seed it), so that each call advances it.")
