"""Public checks for vae.py's pieces: reparameterize against its formula for the grader's
eps, and gaussian_kl's value against torch.distributions.kl_divergence (float64) and its
gradients against torch autograd and the grader's numerical differentiation of its own
formula. The trained VAE (build_vae) is judged by its own exercise, week4.vae_train.

vae.py may use PyTorch: a result that is a torch tensor (it stays in the student's process
and comes back as a handle) is read with ``.detach().cpu().numpy()`` there, and judged like
a NumPy array.
"""

import numpy as np
import torch
from torch.distributions import Normal, kl_divergence

from grader import gradcheck
from grader.backward import unpack
from grader.compare import as_array, assert_close, assert_finite, describe
from grader.oracles import assert_close_scaled, torch_vjp
from grader.registry import CheckFailed, check, load_rubric
from grader.sandbox import Handle

TOL = load_rubric(__file__)["vae"]

REPARAM_HINT = "Expected z = mu + exp(logvar / 2)·eps: exp(logvar / 2) is the standard deviation."
KL_HINT = ("Expected the mean over the batch of ½·Σ_j (exp(logvar_j) + mu_j² − 1 − logvar_j), with gradients "
           "mu / N and ½·(exp(logvar) − 1) / N.")


def numbers(value, what, shape=None):
    """A student's result as a float64 array: NumPy data as it is, a torch tensor (a handle to
    one in the student's process) through ``.detach().cpu().numpy()`` there."""
    if isinstance(value, Handle):
        if not value.type_name.startswith("torch"):
            raise CheckFailed(f"{what} should be numbers (a NumPy array or a torch tensor), got {describe(value)}")
        value = value.detach().cpu().numpy()
    return as_array(value, what, shape=shape)


def problem(N, k, seed, logvar_scale=1.0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, k)), rng.normal(0, logvar_scale, size=(N, k))


# --- reparameterize -----------------------------------------------------------------------


def reparam_mistakes(mu, logvar, eps):
    return {
        "using logvar as the standard deviation (mu + logvar·eps)": mu + logvar * eps,
        "using exp(logvar), the variance, as the standard deviation (mu + exp(logvar)·eps)": mu + np.exp(logvar) * eps,
        "using exp(−logvar / 2) (the inverse of the standard deviation)": mu + np.exp(-logvar / 2) * eps,
        "leaving out mu (exp(logvar / 2)·eps)": np.exp(logvar / 2) * eps,
    }


def assert_reparameterize(sub, mu, logvar, eps, what=None):
    """reparameterize(mu, logvar, eps) against mu + exp(logvar / 2)·eps; returns the result as an array."""
    what = what or f"reparameterize(mu, logvar, eps) for arrays of shape {mu.shape}"
    mu64, logvar64, eps64 = (np.asarray(a, dtype=np.float64) for a in (mu, logvar, eps))
    expected = mu64 + np.exp(logvar64 / 2) * eps64
    got = numbers(sub.vae.reparameterize(mu, logvar, eps), f"the result of {what}", shape=expected.shape)
    return assert_close_scaled(got, expected, f"the result of {what}", rtol=TOL["rtol"], atol=TOL["atol"],
                               mistakes=reparam_mistakes(mu64, logvar64, eps64), hint=REPARAM_HINT)


# --- gaussian_kl ---------------------------------------------------------------------------


def torch_kl(mu, logvar):
    """KL(N(mu, exp(logvar)) ‖ N(0, 1)) summed over the last dimension, mean over the batch (torch tensors)."""
    q = Normal(mu, torch.exp(logvar / 2))
    p = Normal(torch.zeros_like(mu), torch.ones_like(mu))
    return kl_divergence(q, p).sum(dim=1).mean()


def kl_formula(mu, logvar):
    """The grader's own float64 formula, for numerical differentiation."""
    return 0.5 * float(np.sum(np.exp(logvar) + mu ** 2 - 1.0 - logvar)) / mu.shape[0]


def assert_gaussian_kl(sub, mu, logvar, full=True, what=None):
    """gaussian_kl(mu, logvar): the value against torch.distributions, each gradient against
    torch autograd and the grader's numerical differentiation."""
    what = what or f"gaussian_kl(mu, logvar) for mu and logvar of shape {mu.shape}"
    value, dmu, dlogvar = unpack(sub.vae.gaussian_kl(mu, logvar), what, ("value", "dmu", "dlogvar"))
    mu64, logvar64 = np.asarray(mu, dtype=np.float64), np.asarray(logvar, dtype=np.float64)
    N, k = mu64.shape
    kl, (right_mu, right_logvar) = torch_vjp(torch_kl, (mu64, logvar64), 1.0)
    kl = float(kl)
    value = numbers(value, f"the value returned by {what}")
    if value.size != 1:
        raise CheckFailed(f"the value returned by {what} has shape {value.shape}, expected one number: the KL summed "
                          "over the latent dimensions and averaged over the batch"
                          + (" (yours has one per example: average them)" if value.shape in ((N,), (N, 1)) else ""))
    value_mistakes = {"the KL summed over the batch instead of averaged (N times too large)": N * kl,
                      "averaging over every element (N·k of them) instead of summing over the latent dimensions and "
                      "averaging over the batch": kl / k,
                      "leaving out the factor ½": 2 * kl}
    assert_close(value.reshape(()), kl, f"the value returned by {what}", rtol=TOL["rtol"],
                 atol=TOL["atol"] * max(1.0, abs(kl)), mistakes={m: v for m, v in value_mistakes.items() if N > 1 or
                                                                 "batch instead" not in m}, hint=KL_HINT)
    var = np.exp(logvar64)
    grad_mistakes = {
        "mu": {"the gradient summed over the batch instead of averaged (missing the 1/N)": N * right_mu,
               "a gradient with the wrong sign": -right_mu},
        "logvar": {"dlogvar missing the ½ of the KL ((exp(logvar) − 1)/N instead of ½·(exp(logvar) − 1)/N)":
                       2 * right_logvar,
                   "the gradient summed over the batch instead of averaged (missing the 1/N)": N * right_logvar,
                   "dlogvar computed as ½·exp(logvar)/N, without the − ½ that the − logvar term gives":
                       0.5 * var / N,
                   "a gradient with the wrong sign": -right_logvar},
    }
    if N == 1:
        for table in grad_mistakes.values():
            table.pop("the gradient summed over the batch instead of averaged (missing the 1/N)")
    for name, got, right, x, f in (("dmu", dmu, right_mu, mu64, lambda m: kl_formula(m, logvar64)),
                                    ("dlogvar", dlogvar, right_logvar, logvar64, lambda lv: kl_formula(mu64, lv))):
        label = f"{name} returned by {what}"
        got = numbers(got, f"the {label}")
        if got.shape != right.shape:
            raise CheckFailed(f"the {label} has shape {got.shape}, expected {right.shape} (the shape of "
                              f"{name[1:]}): one derivative per element")
        assert_finite(got, f"the {label}")
        mistakes = grad_mistakes[name[1:]]
        scale = max(1.0, float(np.abs(right).max()))
        assert_close(got, right, f"the {label} (against torch autograd)", rtol=TOL["grad_rtol"],
                     atol=TOL["grad_atol"] * scale, mistakes=mistakes, hint=KL_HINT)
        gradcheck.assert_gradient(f, x, got, name="the mean KL", arg=name[1:], rtol=TOL["grad_rtol"],
                                  atol=TOL["grad_atol"], mistakes=mistakes, full=full, hint=KL_HINT)


# --- week4.vae --------------------------------------------------------------------------------


@check("week4.vae", points=1)
def reparameterize_matches_formula(sub, ref):
    """Check that reparameterize(mu, logvar, eps) gives mu + exp(logvar / 2)·eps for the grader's eps."""
    mu, logvar = problem(16, 5, seed=500)
    eps = np.random.default_rng(501).normal(size=mu.shape)
    assert_reparameterize(sub, mu, logvar, eps)


@check("week4.vae", points=2)
def gaussian_kl_value_and_gradients(sub, ref):
    """Check that gaussian_kl's value matches torch.distributions.kl_divergence (summed over the latent dimensions, averaged over the batch) and its gradients against autograd and numerical differentiation."""
    assert_gaussian_kl(sub, *problem(6, 3, seed=510))
    assert_gaussian_kl(sub, *problem(32, 8, seed=511, logvar_scale=1.5), full=False)
