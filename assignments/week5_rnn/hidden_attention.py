"""Hidden checks for attention.py: scores of order 1e3 to 1e4 (positive and negative), which
overflow an exp taken without subtracting each row's maximum; one query, one key, d = 1,
larger batches and float32 inputs; backward passes element by element against torch's
autograd, large scores included, with each cache handed back after several forwards (as a
network uses a layer), and a larger problem by directional derivatives.

The large scores are made of small integers (q·kᵀ = A_i·B + Σ small products, d a perfect
square), so that they are exact in float32 as in float64: a float32 implementation meets the
same tolerance there as anywhere else."""

import numpy as np

from grader.backward import unpack
from grader.registry import check

from .public_attention import (TOL, assert_attention_forward, assert_attention_grads, attention_problem,
                               check_attention_backward)

LARGE = TOL["large_score_rtol"]


def large_score_problem(N, Tq, Tk, d, dv, seed):
    """q, k, v whose scores q·kᵀ/√d are ±(1e3 to 1e4) plus a spread of a few units within each query's
    row: q[..., 0] = ±A_i·√d/2 (A_i from 20 to 200), k[..., 0] = 100, the other coordinates integers from
    −3 to 3. d is a perfect square (4 or 16), so that √d is exact and so is every score, in float32 too."""
    rng = np.random.default_rng(seed)
    q = rng.integers(-3, 4, size=(N, Tq, d)).astype(np.float64)
    k = rng.integers(-3, 4, size=(N, Tk, d)).astype(np.float64)
    half_root = int(round(np.sqrt(d))) // 2
    q[..., 0] = rng.choice([-1.0, 1.0], size=(N, Tq)) * rng.integers(20, 201, size=(N, Tq)) * half_root
    k[..., 0] = 100.0
    return q, k, rng.normal(size=(N, Tk, dv))


# --- week5.attention ---------------------------------------------------------------------


@check("week5.attention", points=1)
def attention_stable_for_large_scores(sub, ref):
    """Check that attention_forward is finite and exact for scores of ±1e3 to ±1e4, without a mask and causal."""
    assert_attention_forward(sub, *large_score_problem(2, 4, 6, 4, 3, seed=150), causal=False, rtol=LARGE)
    assert_attention_forward(sub, *large_score_problem(2, 5, 5, 16, 2, seed=151), causal=True, rtol=LARGE)
    q, k, v = large_score_problem(1, 3, 3, 4, 2, seed=152)
    q[..., 0] = np.array([200.0, -200.0, 200.0])  # every score of a row near +1e4 or near −1e4
    assert_attention_forward(sub, q, k, v, causal=False, rtol=LARGE)
    assert_attention_forward(sub, q, k, v, causal=True, rtol=LARGE)


@check("week5.attention", points=1)
def attention_forward_edge_cases_and_float32(sub, ref):
    """Check that attention_forward is right for one query, one key, d = 1, a causal sequence of one, a batch of 16 and float32 inputs."""
    for k, (shape, causal) in enumerate((((2, 1, 5, 3, 2), False), ((2, 4, 1, 3, 2), False), ((3, 3, 4, 1, 2), False),
                                          ((2, 1, 1, 4, 3), True), ((16, 12, 12, 8, 8), True),
                                          ((16, 10, 14, 8, 4), False))):
        assert_attention_forward(sub, *attention_problem(*shape, seed=160 + k, scale=1.5), causal=causal)
    for k, causal in enumerate((False, True)):
        q, k_, v = (a.astype(np.float32) for a in attention_problem(2, 5, 5, 6, 3, seed=170 + k, scale=1.5))
        assert_attention_forward(sub, q, k_, v, causal=causal)


@check("week5.attention", points=1)
def attention_backward_matches_autograd(sub, ref):
    """Check that attention_backward matches torch autograd element by element (large scores, float32 inputs, one query, each cache handed back after several forwards) and a larger problem by directional derivatives."""
    rng = np.random.default_rng(180)
    problems = [(attention_problem(2, 3, 6, 4, 5, seed=181, scale=1.5), False, None),
                (attention_problem(2, 6, 6, 3, 4, seed=182, scale=1.5), True, None),
                (attention_problem(3, 1, 4, 2, 2, seed=183), False, None),
                (large_score_problem(2, 4, 5, 4, 3, seed=184), False, LARGE),
                (large_score_problem(2, 4, 4, 16, 3, seed=185), True, LARGE),
                (tuple(a.astype(np.float32) for a in attention_problem(2, 4, 4, 5, 2, seed=186, scale=1.5)), True,
                 None)]
    caches = [unpack(sub.attention.attention_forward(*qkv, causal=causal), "attention_forward(q, k, v)",
                     ("out", "cache"))[1] for qkv, causal, _ in problems]
    for n in reversed(range(len(problems))):  # the first forward's backward last
        (q, k, v), causal, rtol = problems[n]
        cache = caches[n]
        g = rng.normal(size=q.shape[:2] + v.shape[-1:])
        what = (f"attention_backward(dout, cache) for causal={causal}, q of shape {q.shape} ({q.dtype}), k of shape "
                f"{k.shape} and v of shape {v.shape}, with the cache of forward {n + 1} of {len(problems)}, all called "
                "before their backward passes (the backward must use its cache, not what the latest forward left "
                "behind)")
        assert_attention_grads(sub.attention.attention_backward(g, cache), q, k, v, causal, g, what, rtol=rtol)
    check_attention_backward(sub, *attention_problem(8, 16, 16, 8, 8, seed=187), causal=True, full=False, seed=188)
