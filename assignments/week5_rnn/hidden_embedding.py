"""Hidden checks for embedding.py: ids of every integer dtype, float32 tables, a large
vocabulary, backward passes element by element against torch's autograd with each cache
handed back after several forwards (as a network uses a layer), larger problems by
directional derivatives; the masked sequence loss at logits of ±1e4 (at counted and at
masked-out positions), with float32 inputs, a single counted position, a full mask and masks
and targets of other integer dtypes."""

import numpy as np

from grader.backward import unpack
from grader.registry import check

from .public_embedding import (LOSS_TOL, assert_embedding_forward, assert_embedding_grad_values,
                               assert_sequence_loss_gradient, assert_sequence_loss_value, check_embedding_backward,
                               describe_ids, embedding_problem, sequence_problem)

INTEGER_DTYPES = (np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64)


# --- week5.embedding ---------------------------------------------------------------------


@check("week5.embedding", points=1)
def embedding_forward_any_integer_dtype_and_float32(sub, ref):
    """Check that embedding_forward is right for ids of every integer dtype (int8 to uint64), a float32 W, a single id and a vocabulary of 1000."""
    for k, dtype in enumerate(INTEGER_DTYPES):
        assert_embedding_forward(sub, *embedding_problem(2, 4, 9, 3, seed=110 + k, dtype=dtype))
    ids, W = embedding_problem(3, 5, 7, 4, seed=120)
    assert_embedding_forward(sub, ids, W.astype(np.float32))
    assert_embedding_forward(sub, np.array([[2]]), np.random.default_rng(121).normal(size=(3, 5)))
    assert_embedding_forward(sub, *embedding_problem(8, 20, 1000, 16, seed=122, unused=100))


@check("week5.embedding", points=1)
def embedding_backward_matches_autograd(sub, ref):
    """Check that embedding_backward matches torch autograd element by element (each cache handed back after several forwards, ids of several dtypes, float32 W and dout) and a larger problem by directional derivatives."""
    rng = np.random.default_rng(130)
    problems = [embedding_problem(2, 7, 5, 3, seed=131, unused=1, dtype=np.uint8),
                embedding_problem(4, 3, 12, 2, seed=132, unused=4, dtype=np.int16),
                embedding_problem(1, 9, 3, 4, seed=133, unused=0, dtype=np.int32)]
    ids, W = embedding_problem(3, 4, 6, 5, seed=134)
    problems.append((ids, W.astype(np.float32)))
    caches = [unpack(sub.embedding.embedding_forward(ids, W), "embedding_forward(ids, W)", ("out", "cache"))[1]
              for ids, W in problems]
    for k in reversed(range(len(problems))):  # the backward of the first forward last
        (ids, W), cache = problems[k], caches[k]
        v = rng.normal(size=ids.shape + (W.shape[1],))
        if k == 3:
            v = v.astype(np.float32)
        what = (f"embedding_backward(dout, cache) for {describe_ids(ids)} and W of shape {W.shape} ({W.dtype}), with "
                f"the cache of forward {k + 1} of {len(problems)}, all called before their backward passes (the "
                "backward must use its cache, not what the latest forward left behind)")
        assert_embedding_grad_values(sub.embedding.embedding_backward(v, cache), ids, W, v, what)
    check_embedding_backward(sub, *embedding_problem(16, 30, 200, 8, seed=135, unused=20), full=False, seed=136)


# --- week5.temporal_softmax ----------------------------------------------------------------


def extreme_problem():
    """Logits of ±1e4 (integers, exact in float32 too), confidently wrong targets included, at positions
    that count and at masked-out ones."""
    logits = np.array([[[1e4, -1e4, 0.0, 5.0], [1e4, 1e4 - 3.0, -1e4, 0.0], [-1e4, -1e4, -1e4, -1e4]],
                       [[2.0, -1.0, 1e4, 3.0], [-1e4, 1e4, 1e4, -5.0], [1e4, -1e4, 2.0, 1.0]]])
    targets = np.array([[1, 1, 2], [2, 3, 1]])  # (0, 0), (0, 1), (1, 1) and (1, 2) put ~no probability on theirs
    mask = np.array([[True, True, True], [True, True, False]])
    return logits, targets, mask


@check("week5.temporal_softmax", points=1)
def temporal_softmax_extreme_logits(sub, ref):
    """Check that the loss and dlogits are finite and right for logits of ±1e4, confidently wrong targets and masked-out positions included."""
    logits, targets, mask = extreme_problem()
    assert_sequence_loss_value(sub, logits, targets, mask)
    assert_sequence_loss_gradient(sub, logits, targets, mask, grad_rtol=LOSS_TOL["extreme_grad_rtol"])
    mask = np.array([[False, True, False], [True, False, True]])  # the worst ones masked out, others kept
    assert_sequence_loss_value(sub, logits, targets, mask)
    assert_sequence_loss_gradient(sub, logits, targets, mask, grad_rtol=LOSS_TOL["extreme_grad_rtol"])


@check("week5.temporal_softmax", points=1)
def temporal_softmax_edge_cases(sub, ref):
    """Check that the loss and dlogits are right for float32 inputs, a single position that counts, a full mask (the plain mean), masks of int8, uint8 and float dtype, targets of int32 and uint8 dtype, and a larger problem by directional derivatives."""
    logits, targets, mask = sequence_problem(3, 4, 5, seed=140, lengths=(4, 3, 2))
    for args in ((logits.astype(np.float32), targets, mask),
                 (logits, targets.astype(np.int32), mask.astype(np.int8)),
                 (logits, targets.astype(np.uint8), mask.astype(np.uint8))):
        assert_sequence_loss_value(sub, *args)
        assert_sequence_loss_gradient(sub, *args)
    one = np.zeros_like(mask)
    one[1, 2] = True
    full = np.ones_like(mask)
    for m in (one, full.astype(np.float32)):
        assert_sequence_loss_value(sub, logits, targets, m)
        assert_sequence_loss_gradient(sub, logits, targets, m)
    logits, targets, mask = sequence_problem(8, 12, 20, seed=141, lengths=(12, 11, 9, 7, 5, 3, 2, 1), scale=4.0)
    assert_sequence_loss_value(sub, logits, targets, mask)
    assert_sequence_loss_gradient(sub, logits, targets, mask, full=False)
