"""Hidden checks for normalization.py: batch normalization over several training steps
then evaluation, with other momentum and eps, against torch.nn.BatchNorm1d; its
backward on a larger batch (directional) and against autograd; dropout's randomness
(only from the generator, fresh at every call, independent from element to element),
other drop probabilities (0 and 0.75) and inputs of any shape."""

import numpy as np
import torch
import torch.nn.functional as F

from grader.compare import fmt
from grader.oracles import assert_close_scaled, correlation_bound, torch_vjp
from grader.registry import CheckFailed, check

from .public_conv import GRAD_TOL, t64, unpack
from .public_normalization import (TOL, assert_bn_eval, assert_bn_train, assert_dropout_backward, assert_fraction,
                                   away_from_zero, bn_backward_mistakes, bn_problem, check_bn_backward, dropout_call,
                                   dropped_and_scale)

# --- week3.batchnorm ---------------------------------------------------------------------


@check("week3.batchnorm", points=2)
def batchnorm_several_steps_then_eval(sub, ref):
    """Check that five training steps with momentum=0.3 and eps=1e-3, then evaluation, match torch.nn.BatchNorm1d."""
    D, momentum, eps = 6, 0.3, 1e-3
    rng = np.random.default_rng(60)
    _, gamma, beta, _, _ = bn_problem(2, D, seed=61)
    layer = torch.nn.BatchNorm1d(D, eps=eps, momentum=momentum, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(t64(gamma))
        layer.bias.copy_(t64(beta))
    state = sub.store({"running_mean": np.zeros(D), "running_var": np.ones(D)})
    shift, spread = rng.uniform(-3, 3, size=D), rng.uniform(0.3, 4.0, size=D)
    for step, n in enumerate((8, 20, 3, 12, 2), start=1):  # batches of different sizes, down to 2
        x = shift + spread * rng.normal(size=(n, D))
        what = f"batchnorm_forward(x, gamma, beta, state, True, momentum=0.3, eps=0.001) at training step {step}"
        out, _ = unpack(sub.normalization.batchnorm_forward(x, gamma, beta, state, True, momentum=momentum, eps=eps),
                        what, ("out", "cache"))
        layer.train()
        expected = layer(t64(x)).detach().numpy()
        assert_close_scaled(out, expected, f"the output of {what} (batch of {n})", rtol=TOL["rtol"],
                            atol=TOL["atol"])
        after = state.fetch()
        for key, want in (("running_mean", layer.running_mean), ("running_var", layer.running_var)):
            assert_close_scaled(after[key], want.numpy(), f"state['{key}'] after training step {step} (batch of {n})",
                                rtol=TOL["rtol"], atol=TOL["atol"],
                                hint="Is the momentum argument used (the weight of the new batch), and the unbiased "
                                     "variance put into the running variance?")
    x = shift + spread * rng.normal(size=(7, D))
    out, _ = unpack(sub.normalization.batchnorm_forward(x, gamma, beta, state, False, momentum=momentum, eps=eps),
                    "batchnorm_forward(x, gamma, beta, state, False, ...)", ("out", "cache"))
    layer.eval()
    assert_close_scaled(out, layer(t64(x)).detach().numpy(), "the output in evaluation mode after five training "
                        "steps", rtol=TOL["rtol"], atol=TOL["atol"],
                        hint="Is eps used, and are the running statistics the ones normalising in evaluation mode?")


@check("week3.batchnorm", points=1)
def batchnorm_other_settings_and_float32(sub, ref):
    """Check that batch normalization is right with momentum=0.5 and eps=0.1 (train and eval), with a batch of 2, and on float32 inputs."""
    x, gamma, beta, rm, rv = bn_problem(12, 4, seed=62)
    assert_bn_train(sub, x, gamma, beta, rm, rv, momentum=0.5, eps=0.1)
    assert_bn_eval(sub, x, gamma, beta, rm, rv, eps=0.1)
    assert_bn_train(sub, *bn_problem(2, 3, seed=63))
    x, gamma, beta, rm, rv = (a.astype(np.float32) for a in bn_problem(9, 5, seed=64))
    assert_bn_train(sub, x, gamma, beta, rm, rv)


@check("week3.batchnorm", points=2)
def batchnorm_backward_larger(sub, ref):
    """Check that batchnorm_backward matches torch's autograd on a batch of 64 × 10 and passes directional checks."""
    x, gamma, beta, rm, rv = bn_problem(64, 10, seed=65)
    cache = assert_bn_train(sub, x, gamma, beta, rm, rv)
    v = np.random.default_rng(66).normal(size=x.shape)
    _, expected = torch_vjp(lambda x_, g_, b_: F.batch_norm(x_, t64(rm), t64(rv), g_, b_, training=True),
                            (x, gamma, beta), v)
    what = "batchnorm_backward(dout, cache) for x of shape (64, 10)"
    got = unpack(sub.normalization.batchnorm_backward(v, cache), what, ("dx", "dgamma", "dbeta"))
    mistakes = bn_backward_mistakes(x, gamma, 1e-5)
    for which, name in enumerate(("dx", "dgamma", "dbeta")):
        assert_close_scaled(got[which], expected[which], f"{name} of {what}", rtol=GRAD_TOL["rtol"],
                            atol=GRAD_TOL["atol"], mistakes=mistakes(v, which))
    check_bn_backward(sub, *bn_problem(32, 6, seed=67), full=False)


# --- week3.dropout -------------------------------------------------------------------------


@check("week3.dropout", points=1)
def dropout_randomness_from_rng_only(sub, ref):
    """Check that dropout draws its randomness only from rng: the same seed gives the same output, the next call another."""
    x = away_from_zero((50, 40), seed=70)
    first, _, what = dropout_call(sub, x, 0.5, True, sub.rng(71))
    again, _, _ = dropout_call(sub, x, 0.5, True, sub.rng(71))
    if not np.array_equal(first == 0, again == 0):
        raise CheckFailed(f"two calls of {what} with generators of the same seed dropped different elements: draw the "
                          "randomness only from the rng argument (not from np.random or the clock).")
    rng = sub.rng(72)
    a, _, _ = dropout_call(sub, x, 0.5, True, rng)
    b, _, _ = dropout_call(sub, x, 0.5, True, rng)
    if np.array_equal(a == 0, b == 0):
        raise CheckFailed(f"two consecutive calls of {what} with the same generator dropped the same elements: draw "
                          "a fresh mask at every call.")


def adjacent_correlation(dropped, axis):
    """Pearson correlation between the drop indicators of neighbours along `axis`, and the pair count."""
    a = np.moveaxis(dropped, axis, 0).astype(float)
    first, second = a[:-1].ravel(), a[1:].ravel()
    if first.std() == 0 or second.std() == 0:
        return 1.0, first.size
    return float(np.corrcoef(first, second)[0, 1]), first.size


@check("week3.dropout", points=2)
def dropout_independent_per_element(sub, ref):
    """Check that each element is dropped independently (no shared mask across rows, columns or channels), for p = 0.1 and 0.75 and a 4-d input."""
    sigmas = TOL["sigmas"]
    for k, (shape, p) in enumerate((((300, 60), 0.1), ((300, 60), 0.75), ((20, 3, 16, 16), 0.5))):
        x = away_from_zero(shape, seed=80 + k)
        out, mask, what = dropout_call(sub, x, p, True, sub.rng(90 + k))
        dropped = dropped_and_scale(out, x, p, what)
        for axis in range(len(shape)):  # before the fraction: a shared mask makes the fraction noisy too
            r, pairs = adjacent_correlation(dropped, axis)
            bound = correlation_bound(pairs, sigmas)
            if abs(r) > bound:
                raise CheckFailed(
                    f"{what}: whether an element is dropped is correlated with its neighbour along axis {axis} "
                    f"(correlation {fmt(r)} over {pairs} pairs; independent elements give 0 ± "
                    f"{fmt(bound)}). Draw one random number per element "
                    "(rng.random(x.shape)), not one mask shared along an axis.")
        assert_fraction(dropped.mean(), dropped.size, p, what)
        assert_dropout_backward(sub, x, out, mask, p, seed=95 + k, what=what)


@check("week3.dropout", points=1)
def dropout_with_p_zero_is_identity(sub, ref):
    """Check that training-mode dropout with p = 0 keeps every element unchanged, and its backward passes dout through."""
    x = away_from_zero((40, 30), seed=96)
    out, mask, what = dropout_call(sub, x, 0.0, True, sub.rng(97))
    assert_close_scaled(out, x, f"the output of {what}", rtol=TOL["rtol"], atol=0.0,
                        hint="With p = 0 nothing is dropped and 1/(1 − p) = 1.")
    assert_dropout_backward(sub, x, out, mask, 0.0, seed=98, what=what)
