"""Public checks for attention.py: scaled dot-product attention against
torch.nn.functional.scaled_dot_product_attention (float64; is_causal=True for the causal
case), and its backward against the grader's numerical differentiation of its own float64
attention.

attention_forward returns ``(out, cache)``; the cache is the student's own business: it comes
back to the grader as it is and is handed unchanged to attention_backward, which is judged as
a vector–Jacobian product: for a random upstream gradient v it must return Jᵀv for q, k and v.
The non-causal problems have as many queries as keys only by accident (Tq ≠ Tk) and values
of another width than the keys (dv ≠ d).
"""

import numpy as np
import torch.nn.functional as F

from grader import backward as backward_pass
from grader.backward import Backward, cache_from_forward, unpack
from grader.compare import as_array, assert_close, assert_finite, close
from grader.oracles import assert_close_scaled, t64, torch_vjp
from grader.registry import CheckFailed, check, load_rubric

TOL = load_rubric(__file__)["attention"]

# An element fails when |got − expected| > atol·max(1, max|expected|) + rtol·|expected|.
assert_values = assert_close_scaled

ATTENTION_HINT = ("Expected out = softmax(q·kᵀ/√d)·v, d = q.shape[-1], the softmax over the keys (the last axis); "
                  "with causal=True query i sees the keys j ≤ i, its own position included.")
OVERFLOW_HINT = ("Subtract each row's maximum score before exponentiating: exp overflows for scores above 709 "
                 "(and exp of scores below −745 is 0, which makes 0/0).")
GRAD_HINT = ("With P the attention weights and S = q·kᵀ/√d: dv = Pᵀ·dout; dP = dout·vᵀ; "
             "dS = P ⊙ (dP − Σ_j P ⊙ dP) (the softmax's backward, over the keys); dq = dS·k/√d; dk = dSᵀ·q/√d.")
NO_SCALE = "leaving out the 1/√d scale (softmax(q·kᵀ)·v)"
OVER_QUERIES = "the softmax over the queries (axis 1) instead of over the keys (the last axis)"
HIDES_DIAGONAL = ("a causal mask that hides the diagonal too (query i sees keys j < i instead of j ≤ i, so query 0 "
                  "sees no key at all)")
HIDES_LOWER = ("a causal mask that hides the lower triangle instead of the upper one (query i sees the keys j ≥ i, "
               "its future, instead of j ≤ i)")
MISSES_SOFTMAX_TERM = ("the softmax's backward without its second term (dS = P ⊙ dP instead of "
                       "P ⊙ (dP − Σ_j P ⊙ dP): each weight depends on every score of its row)")


def attention_problem(N, Tq, Tk, d, dv, seed, scale=1.0):
    """q (N, Tq, d), k (N, Tk, d) and v (N, Tk, dv), normal with standard deviation `scale` (q, k)."""
    rng = np.random.default_rng(seed)
    return scale * rng.normal(size=(N, Tq, d)), scale * rng.normal(size=(N, Tk, d)), rng.normal(size=(N, Tk, dv))


def torch_attention(q, k, v, causal):
    return F.scaled_dot_product_attention(t64(q), t64(k), t64(v), is_causal=causal).numpy()


def attend(q, k, v, causal=False, scale=None, axis=-1, keep="lower"):
    """(out, P): the grader's own float64 attention, for numerical differentiation and for the values
    mistakes give: `scale` (default 1/√d), the softmax over `axis`, the causal mask keeping the
    "lower" triangle (j ≤ i), the "strict" one (j < i) or the "upper" one (j ≥ i). A query (or key,
    for axis 1) that sees nothing gets NaN, as −∞ scores give."""
    q, k, v = (np.asarray(a, dtype=np.float64) for a in (q, k, v))
    s = q @ k.transpose(0, 2, 1) * (1.0 / np.sqrt(q.shape[-1]) if scale is None else scale)
    if causal:
        Tq, Tk = s.shape[1:]
        mask = {"lower": np.tril(np.ones((Tq, Tk), dtype=bool)), "strict": np.tril(np.ones((Tq, Tk), dtype=bool), -1),
                "upper": np.triu(np.ones((Tq, Tk), dtype=bool))}[keep]
        s = np.where(mask, s, -np.inf)
    with np.errstate(invalid="ignore"):
        P = np.exp(s - s.max(axis=axis, keepdims=True))
        P /= P.sum(axis=axis, keepdims=True)
    return P @ v, P


def forward_mistakes(q, k, v, causal):
    """The outputs common mistakes give, by label (those that give the right output here left out)."""
    d = q.shape[-1]
    right = attend(q, k, v, causal)[0]
    out = {NO_SCALE: attend(q, k, v, causal, scale=1.0)[0],
           "dividing the scores by d instead of √d": attend(q, k, v, causal, scale=1.0 / d)[0],
           OVER_QUERIES: attend(q, k, v, causal, axis=1)[0]}
    if causal:
        out[HIDES_LOWER] = attend(q, k, v, causal, keep="upper")[0]
        out["ignoring causal=True (every query sees every key)"] = attend(q, k, v)[0]
    return {label: value for label, value in out.items()
            if np.isfinite(value).all() and not np.allclose(value, right, rtol=1e-3, atol=1e-6)}


def hides_diagonal(got, q, k, v, scale):
    """Whether a causal output is what a mask hiding the diagonal gives: query 0, which then sees no key,
    not finite (−∞ masking) or anything else (a large negative constant), and every later query what
    the keys before it alone give."""
    rest = got[:, 1:]
    if q.shape[1] == 1 or not np.isfinite(rest).all():
        return q.shape[1] == 1 and not np.isfinite(got).all()
    strict = attend(q, k, v, True, keep="strict")[0][:, 1:]
    return close(rest, strict, TOL["rtol"], TOL["atol"] * scale)


def call_what(q, k, v, causal):
    return (f"attention_forward(q, k, v, causal={causal}) for q of shape {q.shape}, k of shape {k.shape} and v of "
            f"shape {v.shape}")


def assert_attention_forward(sub, q, k, v, causal, what=None, rtol=None):
    """The student's attention_forward against F.scaled_dot_product_attention; returns the cache.
    `rtol` (default the rubric's) is the relative precision demanded, also used as atol (scores of ±1e4:
    large_score_rtol)."""
    what = what or call_what(q, k, v, causal)
    out, cache = unpack(sub.attention.attention_forward(q, k, v, causal=causal), what, ("out", "cache"))
    expected = torch_attention(q, k, v, causal)
    label = f"the output of {what}"
    got = as_array(out, label)
    (N, Tq, _), dv = q.shape, v.shape[-1]
    if got.shape != expected.shape:
        raise CheckFailed(f"{label} has shape {got.shape}, expected (N, Tq, dv) = {(N, Tq, dv)}: one weighted mean "
                          "of the values (rows of v) per query")
    scale = max(1.0, float(np.abs(expected).max()))
    if causal and hides_diagonal(got, q, k, v, scale):
        raise CheckFailed(f"{label} is wrong: at query 0 it is {np.array2string(got[0, 0], precision=4)}, "
                          f"expected {np.array2string(expected[0, 0], precision=4)} (the first value row, the only "
                          "key query 0 may see)" + (", and query i's output leaves out key i." if Tq > 1 else "."),
                          mistake=HIDES_DIAGONAL)
    assert_finite(got, label, OVERFLOW_HINT)
    assert_values(got, expected, label, rtol=rtol or TOL["rtol"], atol=rtol or TOL["atol"],
                  mistakes=forward_mistakes(q, k, v, causal), hint=ATTENTION_HINT)
    return cache


def backward_mistakes(q, k, v, causal):
    """For upstream gradient g: the (dq, dk, dv) common mistakes give, by argument index."""
    scale = 1.0 / np.sqrt(q.shape[-1])
    _, P = attend(q, k, v, causal)

    def mistakes(g, which):
        if which == 2:
            return {}
        dP = g @ v.transpose(0, 2, 1)
        dS = P * (dP - (P * dP).sum(axis=-1, keepdims=True))
        first = P * dP
        pick = (lambda S: S @ k * scale) if which == 0 else (lambda S: S.transpose(0, 2, 1) @ q * scale)
        return {MISSES_SOFTMAX_TERM: pick(first),
                f"d{'qk'[which]} without the 1/√d of the scores": pick(dS) / scale}

    return mistakes


def attention_cache(sub, q, k, v, causal):
    """The cache of the student's attention_forward, for judging attention_backward on its own."""
    return cache_from_forward(lambda: sub.attention.attention_forward(q, k, v, causal=causal),
                              lambda: sub.attention.attention_backward(np.zeros((1, 1, 1)), None),
                              "attention_backward", "attention_forward", "week5.attention")


def check_attention_backward(sub, q, k, v, causal, full=True, seed=0):
    """attention_backward against the grader's numerical differentiation of its own attention, for q, k and v
    in turn (the cache from the student's attention_forward)."""
    setting = f"causal={causal}, q of shape {q.shape}, k of shape {k.shape}, v of shape {v.shape}"
    cache = attention_cache(sub, q, k, v, causal)
    mistakes = backward_mistakes(q, k, v, causal)
    funcs = (lambda q_: attend(q_, k, v, causal)[0], lambda k_: attend(q, k_, v, causal)[0],
             lambda v_: attend(q, k, v_, causal)[0])
    for which, (arg, value) in enumerate(zip("qkv", (q, k, v))):
        backward = Backward(lambda g: sub.attention.attention_backward(g, cache),
                            f"attention_backward(dout, cache) ({setting})", ("dq", "dk", "dv"), which)
        backward_pass.assert_backward(funcs[which], value, backward, name=f"attention ({setting})", arg=arg,
                                      full=full, rtol=TOL["grad_rtol"], atol=TOL["grad_atol"], rng=seed + which,
                                      mistakes=lambda g, which=which: mistakes(g, which), hint=GRAD_HINT)


def grad_magnitudes(q, k, v, causal, g):
    """The size of the terms each element of dq, dk and dv sums, for upstream gradient g: with
    |dS| ≤ M = P ⊙ (|g|·|v|ᵀ + Σ_j P ⊙ |g|·|v|ᵀ), m_dq = M·|k|/√d, m_dk = Mᵀ·|q|/√d and m_dv = Pᵀ·|g|.
    Rounding (float32's) grows with these, not with the gradient: at large scores dq sums terms of
    |k| ~ 100 to a result near 0."""
    scale = 1.0 / np.sqrt(q.shape[-1])
    _, P = attend(q, k, v, causal)
    q, k, g = (np.abs(np.asarray(a, dtype=np.float64)) for a in (q, k, g))
    dP = g @ np.abs(np.asarray(v, dtype=np.float64)).transpose(0, 2, 1)
    M = P * (dP + (P * dP).sum(axis=-1, keepdims=True))
    return M @ k * scale, M.transpose(0, 2, 1) @ q * scale, P.transpose(0, 2, 1) @ g


def assert_attention_grads(got, q, k, v, causal, g, what, rtol=None):
    """The student's (dq, dk, dv) for upstream gradient g against torch's autograd of
    F.scaled_dot_product_attention, element by element: an element fails when
    |got − expected| > rtol·m + grad_atol·max(m), m the size of the terms it sums (rtol: grad_rtol
    unless given; scores of ±1e4: large_score_rtol)."""
    _, expected = torch_vjp(lambda qt, kt, vt: F.scaled_dot_product_attention(qt, kt, vt, is_causal=causal),
                            (q, k, v), g)
    got = unpack(got, what, ("dq", "dk", "dv"))
    mistakes = backward_mistakes(q, k, v, causal)
    for which, (name, m) in enumerate(zip(("dq", "dk", "dv"), grad_magnitudes(q, k, v, causal, g))):
        label = f"{name} of {what}"
        arr = as_array(got[which], label)
        if arr.shape != expected[which].shape:
            raise CheckFailed(f"{label} has shape {arr.shape}, expected {expected[which].shape}, the shape of "
                              f"{name[1:]}")
        assert_finite(arr, label, GRAD_HINT)
        assert_close(arr, expected[which], label, rtol=0.0,
                     atol=(rtol or TOL["grad_rtol"]) * m + TOL["grad_atol"] * float(m.max()),
                     mistakes=mistakes(g, which), hint=GRAD_HINT)


# --- week5.attention ---------------------------------------------------------------------


@check("week5.attention", points=1)
def attention_forward_matches_torch(sub, ref):
    """Check that attention_forward matches torch's scaled_dot_product_attention, without a mask (Tq ≠ Tk, dv ≠ d) and causal."""
    assert_attention_forward(sub, *attention_problem(2, 3, 5, 4, 6, seed=50, scale=1.5), causal=False)
    assert_attention_forward(sub, *attention_problem(3, 6, 4, 8, 3, seed=51, scale=1.5), causal=False)
    assert_attention_forward(sub, *attention_problem(2, 5, 5, 4, 3, seed=52, scale=1.5), causal=True)


@check("week5.attention", points=2)
def attention_backward_numerical(sub, ref):
    """Check that attention_backward gives dq, dk and dv matching numerical differentiation, without a mask (Tq ≠ Tk, dv ≠ d) and causal."""
    check_attention_backward(sub, *attention_problem(2, 3, 4, 2, 3, seed=60, scale=1.5), causal=False, seed=61)
    check_attention_backward(sub, *attention_problem(1, 4, 4, 3, 2, seed=62, scale=1.5), causal=True, seed=64)
