"""Public checks for normalization.py: batch normalization against
torch.nn.functional.batch_norm (float64, running statistics included) and its
backward pass against the grader's numerical differentiation; inverted dropout
judged on its properties (every element dropped or scaled by 1/(1 − p), the
fraction dropped, a backward pass consistent with the forward's mask), never on
one random stream.

The running statistics live in a dict made inside the student's process
(``sub.store``), so that the grader reads back whatever the student's code did to
it: arrays updated in place or replaced under the same keys both count.
"""

import numpy as np
import torch.nn.functional as F

from grader.backward import Backward, unpack
from grader.compare import as_array, assert_finite, fmt
from grader.oracles import assert_close_scaled, proportion_bound
from grader.registry import CheckFailed, check, load_rubric

from .public_conv import assert_backward, t64

TOL = load_rubric(__file__)["normalization"]


# --- batch normalization ----------------------------------------------------------------


def bn_problem(N, D, seed):
    """x with a different mean and spread per column, γ, β and running statistics."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, size=D) + rng.uniform(0.5, 3.0, size=D) * rng.normal(size=(N, D))
    gamma = rng.uniform(0.5, 2.0, size=D) * rng.choice([-1.0, 1.0], size=D)
    beta = rng.normal(size=D)
    running_mean = 0.5 * rng.normal(size=D)
    running_var = rng.uniform(0.5, 2.0, size=D)
    return x, gamma, beta, running_mean, running_var


def torch_bn(x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-5):
    """(out, new running mean, new running var) from F.batch_norm in float64; inputs untouched."""
    rm, rv = t64(running_mean), t64(running_var)
    out = F.batch_norm(t64(x), rm, rv, t64(gamma), t64(beta), training=train, momentum=momentum, eps=eps)
    return out.numpy(), rm.numpy(), rv.numpy()


def bn_call(sub, x, gamma, beta, running_mean, running_var, train, **options):
    """Run the student's batchnorm_forward on a state dict kept in their process.
    Returns (out, cache, state after the call, a description of the call)."""
    state = sub.store({"running_mean": running_mean.copy(), "running_var": running_var.copy()})
    settings = "".join(f", {k}={v:g}" for k, v in options.items())
    what = f"batchnorm_forward(x, gamma, beta, state, train={train}{settings}) for x of shape {x.shape}"
    out, cache = unpack(sub.normalization.batchnorm_forward(x, gamma, beta, state, train, **options), what,
                        ("out", "cache"))
    after = state.fetch()
    if not isinstance(after, dict) or not {"running_mean", "running_var"} <= set(after):
        raise CheckFailed(f"after {what}, state should still be a dict with the keys 'running_mean' and "
                          f"'running_var'; it has {sorted(map(str, after)) if isinstance(after, dict) else after}")
    return out, cache, after, what


def assert_bn_train(sub, x, gamma, beta, running_mean, running_var, **options):
    """Training mode: output and running statistics against torch. Returns the cache."""
    momentum, eps = options.get("momentum", 0.1), options.get("eps", 1e-5)
    out, cache, state, what = bn_call(sub, x, gamma, beta, running_mean, running_var, True, **options)
    expected, rm, rv = torch_bn(x, gamma, beta, running_mean, running_var, True, momentum, eps)
    n = x.shape[0]
    mu, var = x.mean(axis=0), x.var(axis=0)
    unbiased = var * n / (n - 1)
    assert_close_scaled(out, expected, f"the output of {what}", rtol=TOL["rtol"], atol=TOL["atol"], mistakes={
        "normalising with the unbiased variance (divided by N − 1) instead of the batch's own variance (divided by N)":
            gamma * (x - mu) / np.sqrt(unbiased + eps) + beta,
        "normalising with the running statistics in training mode (they are for evaluation mode)":
            gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta,
        "dividing by the variance instead of the standard deviation": gamma * (x - mu) / (var + eps) + beta,
    }, hint="Expected γ·(x − μ)/√(σ² + eps) + β with μ and σ² = mean((x − μ)²) taken over the batch, per column.")
    for key, want, old, mistakes in (
        ("running_mean", rm, running_mean, {
            "the momentum reversed (running ← momentum·running + (1 − momentum)·batch)":
                momentum * running_mean + (1 - momentum) * mu}),
        ("running_var", rv, running_var, {
            "the biased batch variance in the running variance (torch puts the unbiased one, divided by N − 1, "
            "there)": (1 - momentum) * running_var + momentum * var,
            "the momentum reversed (running ← momentum·running + (1 − momentum)·batch)":
                momentum * running_var + (1 - momentum) * unbiased}),
    ):
        label = f"state['{key}'] after {what}"
        got = as_array(state[key], label, shape=want.shape)
        if np.array_equal(got, old):
            raise CheckFailed(f"{label} did not change: in training mode update it in place "
                              f"(state['{key}'][:] = …) or assign the new array (state['{key}'] = …).")
        assert_close_scaled(got, want, label, rtol=TOL["rtol"], atol=TOL["atol"], mistakes=mistakes,
                            hint="Expected (1 − momentum)·running + momentum·batch statistic, as "
                                 "torch.nn.BatchNorm1d, with the unbiased batch variance in the running variance.")
    return cache


def assert_bn_eval(sub, x, gamma, beta, running_mean, running_var, **options):
    """Evaluation mode: the running statistics normalise, and the state does not change."""
    eps = options.get("eps", 1e-5)
    out, _, state, what = bn_call(sub, x, gamma, beta, running_mean, running_var, False, **options)
    expected, _, _ = torch_bn(x, gamma, beta, running_mean, running_var, False, eps=eps)
    mu, var = x.mean(axis=0), x.var(axis=0)
    assert_close_scaled(out, expected, f"the output of {what}", rtol=TOL["rtol"], atol=TOL["atol"], mistakes={
        "normalising with the batch statistics in evaluation mode too": gamma * (x - mu) / np.sqrt(var + eps) + beta,
        "dividing by the running variance instead of its square root":
            gamma * (x - running_mean) / (running_var + eps) + beta,
    }, hint="In evaluation mode expected γ·(x − running_mean)/√(running_var + eps) + β.")
    for key, old in (("running_mean", running_mean), ("running_var", running_var)):
        got = as_array(state[key], f"state['{key}'] after {what}", shape=old.shape)
        if not np.array_equal(got, old):
            raise CheckFailed(f"{what} changed state['{key}']: evaluation mode must leave the running statistics "
                              "as they are.")


def bn_backward_mistakes(x, gamma, eps):
    """For upstream gradient v: (dx, dgamma, dbeta) that common mistakes give, by output."""
    mu, var = x.mean(axis=0), x.var(axis=0)
    x_hat = (x - mu) / np.sqrt(var + eps)
    n = x.shape[0]

    def mistakes(v, which):
        if which == 0:
            return {"treating the batch mean and variance as constants (dx = dout·γ/√(σ² + eps))":
                    v * gamma / np.sqrt(var + eps),
                    "keeping the mean term but treating the variance as a constant":
                    (v - v.mean(axis=0)) * gamma / np.sqrt(var + eps)}
        if which == 1:
            return {"dγ = Σ dout·x instead of Σ dout·x̂ (the normalised x)": (v * x).sum(axis=0),
                    "dγ averaged over the batch instead of summed": (v * x_hat).sum(axis=0) / n}
        return {"dβ averaged over the batch instead of summed": v.sum(axis=0) / n}

    return mistakes


def check_bn_backward(sub, x, gamma, beta, running_mean, running_var, full=True, **options):
    """The student's batchnorm_backward (train mode) against numerical differentiation of
    F.batch_norm for x, γ and β in turn."""
    eps = options.get("eps", 1e-5)
    cache = assert_bn_train(sub, x, gamma, beta, running_mean, running_var, **options)
    what = f"batchnorm_backward(dout, cache) for x of shape {x.shape}"
    mistakes = bn_backward_mistakes(x, gamma, eps)

    def f(x_=x, gamma_=gamma, beta_=beta):
        return torch_bn(x_, gamma_, beta_, running_mean, running_var, True, eps=eps)[0]

    funcs = (lambda a: f(x_=a), lambda a: f(gamma_=a), lambda a: f(beta_=a))
    for which, (arg, value) in enumerate((("x", x), ("gamma", gamma), ("beta", beta))):
        backward = Backward(lambda v: sub.normalization.batchnorm_backward(v, cache), what, ("dx", "dgamma", "dbeta"),
                            which)
        assert_backward(funcs[which], value, backward, name=f"batch_norm (training mode, x of shape {x.shape})",
                        arg=arg, full=full, mistakes=lambda v, which=which: mistakes(v, which))


# --- dropout -------------------------------------------------------------------------------


def away_from_zero(shape, seed):
    """Values with |x| in [0.5, 1.5] and random signs: a zero in the output means 'dropped'."""
    rng = np.random.default_rng(seed)
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.5, 1.5, size=shape)


def dropout_call(sub, x, p, train, rng):
    what = f"dropout_forward(x, p={p:g}, train={train}, rng) for x of shape {x.shape}"
    out, mask = unpack(sub.normalization.dropout_forward(x, p, train, rng), what, ("out", "mask"))
    out = as_array(out, f"the output of {what}", shape=x.shape)
    assert_finite(out, f"the output of {what}")
    return out, mask, what


def dropped_and_scale(out, x, p, what):
    """(dropped: bool array) after checking that every kept element is x/(1 − p)."""
    dropped = out == 0
    kept = ~dropped
    if not kept.any():
        raise CheckFailed(f"{what} dropped every element (p = {p:g}): each element must be kept with probability 1 − p.")
    ratio = out[kept] / x[kept]
    want = 1.0 / (1.0 - p)
    bad = np.abs(ratio - want) > TOL["scale_rtol"] * want
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        r = ratio[i]
        msg = (f"{what}: a kept element is {fmt(r)} times its input, expected 1/(1 − p) = {fmt(want)} "
               "(inverted dropout scales the kept elements so that E[out] = x).")
        for value, why in ((1.0, "the kept elements are not scaled by 1/(1 − p)"),
                           (1.0 - p, "the kept elements are multiplied by (1 − p) instead of divided by it"),
                           (1.0 / p if p > 0 else None, "the kept elements are divided by p instead of 1 − p")):
            if value is not None and np.all(np.abs(ratio - value) <= TOL["scale_rtol"] * value):
                msg += f" Every kept element is scaled by {fmt(value)}: {why}."
                break
        raise CheckFailed(msg)
    return dropped


def assert_fraction(frac, n, p, what, hint_if=None):
    """The fraction of dropped elements within `sigmas` standard errors of p (binomial)."""
    bound = proportion_bound(p, n, TOL["sigmas"])
    if abs(frac - p) <= bound:
        return
    msg = (f"{what} dropped {frac:.2%} of {n} elements, expected p = {p:.0%} "
           f"(± {bound:.2%}, {TOL['sigmas']:g} standard errors).")
    if abs(frac - (1 - p)) <= bound:
        msg += " That is 1 − p: p is the probability of DROPPING an element, not of keeping it."
    raise CheckFailed(msg)


def assert_dropout_backward(sub, x, out, mask, p, seed, what):
    """dropout_backward must pass dout through the kept elements, scaled by 1/(1 − p), and
    give 0 where the forward pass dropped: expected dx = dout·out/x."""
    dout = np.random.default_rng(seed).normal(size=x.shape)
    label = f"dropout_backward(dout, mask, p={p:g}) with the mask of {what}"
    dx = sub.normalization.dropout_backward(dout, mask, p)
    kept = out != 0
    assert_close_scaled(dx, dout * out / x, label, rtol=TOL["rtol"], atol=TOL["atol"], mistakes={
        "passing dout through the kept elements without the 1/(1 − p) scale": dout * kept,
        "dout unchanged (the mask left out)": dout,
    }, hint="Expected dx = dout where the forward kept an element, times 1/(1 − p), and 0 where it dropped it.")


@check("week3.batchnorm", points=2)
def batchnorm_train_matches_torch(sub, ref):
    """Check that batchnorm_forward in training mode matches torch's batch_norm, running statistics included."""
    assert_bn_train(sub, *bn_problem(16, 5, seed=40))


@check("week3.batchnorm", points=1)
def batchnorm_eval_uses_running_stats(sub, ref):
    """Check that batchnorm_forward in evaluation mode normalises with the running statistics and leaves them unchanged."""
    assert_bn_eval(sub, *bn_problem(10, 4, seed=41))


@check("week3.batchnorm", points=2)
def batchnorm_backward_numerical(sub, ref):
    """Check that batchnorm_backward gives dx, dgamma and dbeta matching numerical differentiation."""
    check_bn_backward(sub, *bn_problem(5, 3, seed=42))


@check("week3.dropout", points=2)
def dropout_drops_a_fraction_p_and_rescales(sub, ref):
    """Check that training-mode dropout zeroes about a fraction p of the elements and scales the others by 1/(1 − p), with a matching backward pass."""
    x = away_from_zero((400, 50), seed=50)
    p = 0.3
    out, mask, what = dropout_call(sub, x, p, True, sub.rng(51))
    dropped = dropped_and_scale(out, x, p, what)
    assert_fraction(dropped.mean(), dropped.size, p, what)
    assert_dropout_backward(sub, x, out, mask, p, seed=52, what=what)


@check("week3.dropout", points=1)
def dropout_eval_is_identity(sub, ref):
    """Check that dropout_forward in evaluation mode returns its input unchanged."""
    x = away_from_zero((30, 20), seed=53)
    out, _, what = dropout_call(sub, x, 0.4, False, sub.rng(54))
    assert_close_scaled(out, x, f"the output of {what}", rtol=TOL["rtol"], atol=0.0, mistakes={
        "multiplying by (1 − p) in evaluation mode (that is the non-inverted dropout; inverted dropout scales "
        "during training instead)": 0.6 * x,
    }, hint="In evaluation mode dropout does nothing: return x itself.")
