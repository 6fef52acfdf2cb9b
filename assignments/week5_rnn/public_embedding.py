"""Public checks for embedding.py: the embedding lookup against torch.nn.functional.embedding
(float64), its backward against the grader's numerical differentiation of its own lookup and
against torch's autograd, and the masked sequence loss (temporal_softmax_loss) against
torch.nn.functional.cross_entropy with ignore_index, its gradient against autograd and the
grader's numerical differentiation of its own float64 formula.

embedding_forward returns ``(out, cache)``; the cache is the student's own business: it comes
back to the grader as it is and is handed unchanged to embedding_backward, which is judged as
a vector–Jacobian product (for a random upstream gradient v it must return Jᵀv, the gradient
with respect to W). The ids of every problem repeat (within a sequence and across the batch),
and some ids of the vocabulary never appear.
"""

import numpy as np
import torch
import torch.nn.functional as F

from grader import backward as backward_pass
from grader import gradcheck
from grader.backward import Backward, cache_from_forward, unpack
from grader.compare import as_array, as_float, assert_close, assert_finite, fmt
from grader.oracles import assert_close_scaled, t64, torch_vjp
from grader.registry import CheckFailed, check, load_rubric

RUBRIC = load_rubric(__file__)
TOL = RUBRIC["embedding"]
LOSS_TOL = RUBRIC["temporal_softmax"]

# An element fails when |got − expected| > atol·max(1, max|expected|) + rtol·|expected|.
assert_values = assert_close_scaled

EMBEDDING_HINT = "Expected out[n, t] = W[ids[n, t]]: row ids[n, t] of W, for every position."
EMBEDDING_GRAD_HINT = ("Row v of dW is the sum of dout[n, t] over every position where ids[n, t] = v: an id that "
                       "appears several times adds up all its gradients (np.add.at(dW, ids, dout); dW[ids] += dout "
                       "keeps only one of them), and the rows of ids that never appear are zero.")
DROPPED_REPEATS = ("dW[ids] += dout (or dW[ids] = dout), which does not accumulate repeated ids: a fancy-index "
                   "assignment writes each row once, so an id that appears several times keeps one of its "
                   "gradients instead of their sum (use np.add.at(dW, ids, dout))")
LOSS_HINT = ("Expected Σ mask·(−log softmax(logits)[target]) / Σ mask, the log-probabilities computed with "
             "log-sum-exp (logits − m − log Σ exp(logits − m), m the maximum over the vocabulary), and the "
             "gradient mask·(softmax(logits) − onehot(targets)) / Σ mask.")


def describe_ids(ids) -> str:
    return f"ids of shape {ids.shape} ({ids.dtype})"


# --- embeddings -------------------------------------------------------------------------


def embedding_problem(N, T, V, D, seed, unused=2, dtype=np.int64):
    """ids (N, T) drawn from V − `unused` ids of the vocabulary, with at least one id repeated in
    the first sequence and one shared by two sequences, and W (V, D), standard normal."""
    rng = np.random.default_rng(seed)
    used = rng.permutation(V)[: V - unused]
    ids = rng.choice(used, size=(N, T))
    ids[0, -1] = ids[0, 0]  # a repeat within a sequence
    if N > 1:
        ids[-1, 0] = ids[0, 0]  # and across sequences
    return ids.astype(dtype), rng.normal(size=(V, D))


def lookup(ids, W):
    """The grader's own lookup (float64), for numerical differentiation: W[ids]."""
    return np.asarray(W, dtype=np.float64)[np.asarray(ids, dtype=np.int64)]


def torch_embedding(ids, W):
    return F.embedding(torch.as_tensor(np.asarray(ids, dtype=np.int64)), t64(W)).numpy()


def embedding_shape_message(got, ids, W):
    (N, T), D = ids.shape, W.shape[1]
    msg = f"has shape {got}, expected (N, T, D) = {(N, T, D)}: one row of W (length D = {D}) per id"
    if got == (T, N, D) and T != N:
        msg += "; yours is (T, N, D): are the ids read transposed?"
    elif got == (N * T, D):
        msg += "; yours is (N·T, D): reshape it to (N, T, D)"
    return msg


def assert_embedding_forward(sub, ids, W, what=None):
    """The student's embedding_forward against F.embedding; returns the cache."""
    what = what or f"embedding_forward(ids, W) for {describe_ids(ids)} and W of shape {W.shape}"
    out, cache = unpack(sub.embedding.embedding_forward(ids, W), what, ("out", "cache"))
    expected = torch_embedding(ids, W)
    got = as_array(out, f"the output of {what}")
    if got.shape != expected.shape:
        raise CheckFailed(f"the output of {what} {embedding_shape_message(got.shape, ids, W)}")
    assert_values(got, expected, f"the output of {what}", rtol=TOL["rtol"], atol=TOL["atol"], hint=EMBEDDING_HINT)
    return cache


def embedding_mistakes(ids, W):
    """For upstream gradient v: the dW common mistakes give."""
    ids = np.asarray(ids, dtype=np.int64)

    def mistakes(v):
        dropped = np.zeros(W.shape)
        dropped[ids] += v  # numpy's own fancy-index +=: one write per repeated id
        return {DROPPED_REPEATS: dropped}

    return mistakes


def embedding_cache(sub, ids, W):
    """The cache of the student's embedding_forward, for judging embedding_backward on its own."""
    return cache_from_forward(lambda: sub.embedding.embedding_forward(ids, W),
                              lambda: sub.embedding.embedding_backward(np.zeros((1, 1, 1)), None),
                              "embedding_backward", "embedding_forward", "week5.embedding")


def check_embedding_backward(sub, ids, W, full=True, seed=0):
    """embedding_backward against the grader's numerical differentiation of W ↦ W[ids]
    (the cache from the student's embedding_forward)."""
    setting = f"{describe_ids(ids)}, W of shape {W.shape}"
    cache = embedding_cache(sub, ids, W)
    backward = Backward(lambda v: sub.embedding.embedding_backward(v, cache), f"embedding_backward ({setting})")
    backward_pass.assert_backward(lambda W_: lookup(ids, W_), W, backward, name=f"the embedding lookup ({setting})",
                                  arg="W", full=full, rtol=TOL["grad_rtol"], atol=TOL["grad_atol"], rng=seed,
                                  mistakes=embedding_mistakes(ids, W), hint=EMBEDDING_GRAD_HINT)


def assert_embedding_grad_values(got, ids, W, v, what):
    """A student's dW for upstream gradient v against torch's autograd of F.embedding, element
    by element; the failure names an unused id's row when that is where it is wrong."""
    _, (expected,) = torch_vjp(lambda Wt: F.embedding(torch.as_tensor(np.asarray(ids, dtype=np.int64)), Wt), (W,), v)
    got = as_array(got, what)
    if got.shape != expected.shape:
        raise CheckFailed(f"{what} has shape {got.shape}, expected W's shape {expected.shape}"
                          + (" (transposed?)" if got.shape == expected.shape[::-1] else ""))
    assert_finite(got, what)
    unused = np.setdiff1d(np.arange(W.shape[0]), np.asarray(ids, dtype=np.int64))
    scale = max(1.0, float(np.abs(expected).max()))
    hint = EMBEDDING_GRAD_HINT
    if unused.size and np.abs(got[unused]).max() > TOL["grad_atol"] * scale:
        row = int(unused[np.argmax(np.abs(got[unused]).max(axis=1))])
        hint = (f"Id {row} appears nowhere in ids, so row {row} of dW must be zero (start from np.zeros, not "
                "np.empty or a copy of W).")
    assert_values(got, expected, what, rtol=TOL["grad_rtol"], atol=TOL["grad_atol"],
                  mistakes=embedding_mistakes(ids, W)(v), hint=hint)


# --- the masked sequence loss -----------------------------------------------------------------


def sequence_problem(N, T, V, seed, lengths=None, scale=2.0):
    """logits (N, T, V), targets (N, T) and a boolean mask (N, T): the first lengths[n] positions
    of sequence n count (padded sequences), or a random mask with at least one True."""
    rng = np.random.default_rng(seed)
    logits = scale * rng.normal(size=(N, T, V))
    targets = rng.integers(0, V, size=(N, T))
    if lengths is None:
        mask = rng.random((N, T)) < 0.6
        mask.flat[rng.integers(mask.size)] = True
    else:
        mask = np.arange(T)[None, :] < np.asarray(lengths)[:, None]
    return logits, targets, mask


def log_softmax(logits):
    m = logits.max(axis=-1, keepdims=True)
    return logits - m - np.log(np.exp(logits - m).sum(axis=-1, keepdims=True))


def masked_cross_entropy(logits, targets, mask):
    """Σ mask·(−log softmax(logits)[target]) / Σ mask, the grader's own float64 formula."""
    logp = log_softmax(np.asarray(logits, dtype=np.float64))
    picked = np.take_along_axis(logp, np.asarray(targets, dtype=np.int64)[..., None], axis=-1)[..., 0]
    m = np.asarray(mask, dtype=np.float64)
    return float(-(m * picked).sum() / m.sum())


def torch_sequence_loss(logits, targets, mask):
    """(loss, dlogits) by F.cross_entropy with ignore_index marking the masked-out positions (float64 autograd)."""
    V = logits.shape[-1]
    ignored = np.where(np.asarray(mask).astype(bool), np.asarray(targets, dtype=np.int64), -100)
    labels = torch.as_tensor(ignored.reshape(-1))
    loss, (grad,) = torch_vjp(lambda z: F.cross_entropy(z.reshape(-1, V), labels, ignore_index=-100), (logits,), 1.0)
    return float(loss), grad


def sequence_loss_mistakes(logits, targets, mask):
    """The loss value and the gradient that common mistakes give, by label: ({label: value}, {label: dlogits})."""
    logits = np.asarray(logits, dtype=np.float64)
    m = np.asarray(mask).astype(float)
    N, T, V = logits.shape
    count = m.sum()
    logp = log_softmax(logits)
    ce = -np.take_along_axis(logp, np.asarray(targets, dtype=np.int64)[..., None], axis=-1)[..., 0]
    raw = np.exp(logp)
    np.put_along_axis(raw, np.asarray(targets, dtype=np.int64)[..., None],
                      np.take_along_axis(raw, np.asarray(targets, dtype=np.int64)[..., None], axis=-1) - 1.0, axis=-1)
    right = raw * m[..., None] / count
    by_batch = "dividing by N (the batch size) instead of Σ mask, the number of positions that count"
    by_all = "dividing by N·T (every position) instead of Σ mask, the number of positions that count"
    ignoring = "ignoring the mask (the mean over every position, masked-out ones included)"
    summed = "summing over the positions instead of dividing by Σ mask"
    values = {by_batch: (m * ce).sum() / N, by_all: (m * ce).sum() / (N * T), ignoring: ce.mean(),
              summed: (m * ce).sum()}
    grads = {by_batch: right * count / N, by_all: right * count / (N * T), ignoring: raw / (N * T),
             "the gradient not divided by Σ mask (the loss is the mean over the positions that count, its "
             "gradient is mask·(softmax − onehot) / Σ mask)": right * count,
             "the mask applied to the loss but not to the gradient (masked-out positions get a gradient)":
                 raw / count}
    # a mistake that gives the right answer on this problem (Σ mask = N, a full mask) names nothing
    values = {k: v for k, v in values.items() if not np.isclose(v, (m * ce).sum() / count, rtol=1e-3)}
    grads = {k: g for k, g in grads.items() if not np.allclose(g, right, rtol=1e-3, atol=1e-12)}
    return values, grads


def call_sequence_loss(sub, logits, targets, mask, what):
    return unpack(sub.embedding.temporal_softmax_loss(logits, targets, mask), what, ("loss", "dlogits"))


def sequence_what(logits, mask, what=None):
    return what or (f"temporal_softmax_loss(logits, targets, mask) for logits of shape {logits.shape} with values up "
                    f"to {fmt(np.abs(logits).max())} and a {np.asarray(mask).dtype} mask keeping "
                    f"{int(np.asarray(mask).astype(bool).sum())} of {np.asarray(mask).size} positions")


def assert_sequence_loss_value(sub, logits, targets, mask, what=None):
    """The loss temporal_softmax_loss returns against F.cross_entropy with ignore_index."""
    what = sequence_what(logits, mask, what)
    loss, _ = call_sequence_loss(sub, logits, targets, mask, what)
    expected, _ = torch_sequence_loss(logits, targets, mask)
    value = as_float(loss, f"the loss returned by {what}")
    if not np.isfinite(value):
        raise CheckFailed(f"the loss returned by {what} is {value}, expected {fmt(expected)}. {LOSS_HINT}")
    values, _ = sequence_loss_mistakes(logits, targets, mask)
    assert_close(value, expected, f"the loss returned by {what}", rtol=LOSS_TOL["rtol"],
                 atol=LOSS_TOL["atol"] * max(1.0, abs(expected)), mistakes=values, hint=LOSS_HINT)


def assert_sequence_loss_gradient(sub, logits, targets, mask, full=True, grad_rtol=None, what=None):
    """The dlogits temporal_softmax_loss returns against torch's autograd of F.cross_entropy with
    ignore_index, then against the grader's numerical differentiation of its own formula."""
    what = sequence_what(logits, mask, what)
    _, dlogits = call_sequence_loss(sub, logits, targets, mask, what)
    _, expected = torch_sequence_loss(logits, targets, mask)
    label = f"the dlogits returned by {what}"
    got = as_array(dlogits, label)
    if got.shape != expected.shape:
        raise CheckFailed(f"{label} has shape {got.shape}, expected logits' shape {expected.shape}: one derivative "
                          "per logit")
    assert_finite(got, label, LOSS_HINT)
    rtol = grad_rtol or LOSS_TOL["grad_rtol"]
    scale = max(1.0, float(np.abs(expected).max()))
    _, grads = sequence_loss_mistakes(logits, targets, mask)
    hint = LOSS_HINT
    kept = np.asarray(mask).astype(bool)
    if (~kept).any() and np.abs(got[~kept]).max() > LOSS_TOL["grad_atol"] * scale:
        n, t = (int(i) for i in np.argwhere(~kept & (np.abs(got).max(axis=-1) == np.abs(got[~kept]).max()))[0])
        hint = (f"Position ({n}, {t}) is masked out, so it adds nothing to the loss and dlogits[{n}, {t}] must be "
                "zero: multiply the gradient by the mask too.")
    assert_close(got, expected, f"{label} (against torch autograd)", rtol=rtol, atol=LOSS_TOL["grad_atol"] * scale,
                 mistakes=grads, hint=hint)
    targets64 = np.asarray(targets, dtype=np.int64)
    gradcheck.assert_gradient(lambda z: masked_cross_entropy(z, targets64, mask), np.asarray(logits, dtype=np.float64),
                              got, name="the masked mean cross-entropy", arg="logits", rtol=rtol,
                              atol=LOSS_TOL["grad_atol"], mistakes=grads, full=full, hint=hint)


# --- week5.embedding ---------------------------------------------------------------------


@check("week5.embedding", points=1)
def embedding_forward_matches_torch(sub, ref):
    """Check that embedding_forward matches torch.nn.functional.embedding, repeated ids included, for int64 and int32 ids."""
    for k, (shape, dtype) in enumerate((((2, 5, 7, 3), np.int64), ((3, 4, 10, 6), np.int32), ((1, 6, 4, 2), np.int64))):
        assert_embedding_forward(sub, *embedding_problem(*shape, seed=10 + k, dtype=dtype))


@check("week5.embedding", points=2)
def embedding_backward_accumulates_repeated_ids(sub, ref):
    """Check that embedding_backward matches numerical differentiation and torch autograd: repeated ids add up their gradients, unused ids get zero rows."""
    ids, W = embedding_problem(3, 5, 8, 3, seed=20)
    check_embedding_backward(sub, ids, W, seed=21)
    ids, W = embedding_problem(2, 6, 6, 4, seed=22, unused=1)
    ids[1] = ids[1, 0]  # one sequence of a single id, six times
    cache = embedding_cache(sub, ids, W)
    v = np.random.default_rng(23).normal(size=ids.shape + (W.shape[1],))
    what = f"embedding_backward(dout, cache) for {describe_ids(ids)} and W of shape {W.shape}"
    assert_embedding_grad_values(sub.embedding.embedding_backward(v, cache), ids, W, v, what)


# --- week5.temporal_softmax ----------------------------------------------------------------


@check("week5.temporal_softmax", points=1)
def temporal_softmax_loss_matches_cross_entropy(sub, ref):
    """Check that the loss is F.cross_entropy with ignore_index at the masked-out positions (the mean over the positions that count), for padded sequences and a random mask."""
    assert_sequence_loss_value(sub, *sequence_problem(3, 5, 6, seed=30, lengths=(5, 3, 1)))
    logits, targets, mask = sequence_problem(4, 3, 5, seed=31)
    assert_sequence_loss_value(sub, logits, targets, mask.astype(np.int64))  # a 0/1 mask


@check("week5.temporal_softmax", points=2)
def temporal_softmax_gradient_numerical(sub, ref):
    """Check that dlogits matches torch autograd and numerical differentiation, zero at the masked-out positions."""
    assert_sequence_loss_gradient(sub, *sequence_problem(3, 4, 5, seed=40, lengths=(4, 2, 1)))
    logits, targets, mask = sequence_problem(2, 5, 4, seed=41)
    assert_sequence_loss_gradient(sub, logits, targets, mask.astype(np.float64))  # a 0.0/1.0 mask
