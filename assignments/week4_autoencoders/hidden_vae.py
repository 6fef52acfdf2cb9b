"""Hidden checks for vae.py's pieces: the samples reparameterize makes from the grader's
standard normal eps have mean mu and variance exp(logvar) (within the rubric's number of
standard errors), float32 inputs, a batch of one, large and small variances, and a KL of
zero at the prior."""

import numpy as np

from grader.compare import assert_finite
from grader.oracles import assert_within, mean_bound, variance_bound
from grader.registry import check

from .public_vae import REPARAM_HINT, TOL, assert_gaussian_kl, assert_reparameterize, numbers, problem


@check("week4.vae", points=1)
def reparameterize_samples_have_the_right_distribution(sub, ref):
    """Check that reparameterize, given standard normal eps for 20000 rows, makes samples whose mean per latent dimension is mu and whose variance is exp(logvar) (within 6 standard errors), and that float32 inputs work."""
    N = 20_000
    mu_row = np.array([0.0, 2.0, -1.5, 0.5])
    logvar_row = np.array([0.0, 1.2, -2.0, 0.7])
    mu, logvar = np.tile(mu_row, (N, 1)), np.tile(logvar_row, (N, 1))
    eps = np.random.default_rng(520).standard_normal(size=mu.shape)
    what = f"reparameterize(mu, logvar, eps) for {N} rows of 4 latents"
    z = numbers(sub.vae.reparameterize(mu, logvar, eps), f"the result of {what}", shape=mu.shape)
    assert_finite(z, f"the result of {what}")
    sigmas = TOL["sigmas"]
    for j in range(len(mu_row)):
        var = float(np.exp(logvar_row[j]))
        what = f"over {N} samples, latent dimension {j} (mu = {mu_row[j]:g}, logvar = {logvar_row[j]:g})"
        assert_within(float(z[:, j].mean()), mu_row[j], mean_bound(np.sqrt(var), N, sigmas), f"the mean {what}",
                      REPARAM_HINT)
        assert_within(float(z[:, j].var()), var, variance_bound(var, N, sigmas), f"the variance {what}",
                      REPARAM_HINT, mistakes={"using logvar as the standard deviation": logvar_row[j] ** 2,
                                              "using exp(logvar), the variance, as the standard deviation":
                                                  var ** 2})
    assert_reparameterize(sub, mu, logvar, eps, what=what)  # and exactly the formula for this eps
    mu, logvar = problem(5, 3, seed=521)
    eps = np.random.default_rng(522).normal(size=mu.shape)
    assert_reparameterize(sub, mu.astype(np.float32), logvar.astype(np.float32), eps.astype(np.float32),
                          what="reparameterize(mu, logvar, eps) for float32 arrays of shape (5, 3)")


@check("week4.vae", points=1)
def gaussian_kl_edge_cases(sub, ref):
    """Check that gaussian_kl is right on a batch of one, on float32 inputs, on logvar from −6 to 4, and that it is 0 with zero gradients at mu = 0, logvar = 0."""
    assert_gaussian_kl(sub, *problem(1, 4, seed=530))
    mu, logvar = problem(5, 3, seed=531)
    assert_gaussian_kl(sub, mu.astype(np.float32), logvar.astype(np.float32),
                       what="gaussian_kl(mu, logvar) for float32 mu and logvar of shape (5, 3)")
    rng = np.random.default_rng(532)
    assert_gaussian_kl(sub, rng.normal(0, 3, size=(4, 5)), rng.uniform(-6, 4, size=(4, 5)),
                       what="gaussian_kl(mu, logvar) for logvar from −6 to 4")
    assert_gaussian_kl(sub, np.zeros((3, 2)), np.zeros((3, 2)), what="gaussian_kl(mu, logvar) at mu = 0, logvar = 0")
