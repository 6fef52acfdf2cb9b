"""Week 5's embedding, masked sequence loss and attention exercises (week5.embedding,
week5.temporal_softmax, week5.attention), graded with only these three exercises: the reference
scores full marks, the blank template zero with "not implemented yet", the float32 alternative
(one-hot products, loops, logaddexp, a large negative mask) full marks (each known-bad example's
score and hint are checked in test_week5_contract.py; here, that every exercise has one); and the decisions their checks
make: results in any numeric container pass, a backward is judged on its own cache, a mask
constant must really hide keys at scores of ±1e4, wrong shapes and NaN get a message that says
so, and the large-score problems are exact in float32.
"""


import numpy as np

from grader.cli import known_bad_meta
from grader.course import Week
from grader.scoring import NOT_IMPLEMENTED, PASSED

from conftest import ROOT, check_module, known_bad_patches, patched_reference, reference_with

WEEK = "week5_rnn"
MINE = {"week5.embedding", "week5.temporal_softmax", "week5.attention"}
week = Week.load(WEEK, ROOT)
PATCHES = [p for p in known_bad_patches(WEEK) if known_bad_meta(p)["EXERCISE"] in MINE]
ALTERNATIVE = ROOT / "examples" / WEEK / "alternative_correct"


def failures(report):
    return [(r.title, r.status, r.output) for r in report.results if r.status != PASSED]


def by_exercise(report):
    return {e.id: e for e in report.exercises()}


def patched(tmp_path, name, modules: dict):
    """A copy of the reference with `modules` ({module: code}) appended to those modules."""
    return patched_reference(week, tmp_path / name / WEEK, modules)


def test_reference_scores_full_marks(grade):
    """Does the reference pass every public and hidden check of the three exercises?"""
    report = grade(WEEK, week.solution_dir, only=MINE)
    assert failures(report) == [] and report.score == report.max_score > 0
    assert {e.id for e in report.exercises()} == MINE


def test_blank_template_scores_zero_not_implemented(grade):
    """Does the template score 0, every check saying "not implemented yet" with its own exercise's id?"""
    report = grade(WEEK, week.template_dir, only=MINE)
    assert report.score == 0 and {r.status for r in report.results} == {NOT_IMPLEMENTED}
    for r in report.results:
        assert "Not implemented yet" in r.output and r.id in r.output, r.output


def test_float32_alternative_scores_full_marks(grade, tmp_path):
    """Does the alternative (float32 throughout, one-hot products, loops, logaddexp, a −1e30 mask) get
    full marks, and is it really float32?"""
    namespace = {}
    for module in ("embedding", "attention"):
        path = ALTERNATIVE / f"{module}.py"
        exec(compile(path.read_text(), str(path), "exec"), namespace)
    rng = np.random.default_rng(0)
    out, _ = namespace["embedding_forward"](np.array([[0, 2, 2]]), rng.normal(size=(3, 2)))
    loss, dlogits = namespace["temporal_softmax_loss"](rng.normal(size=(2, 3, 4)), np.zeros((2, 3), int),
                                                       np.ones((2, 3), bool))
    att, _ = namespace["attention_forward"](*(rng.normal(size=(1, 3, 2)) for _ in range(3)), causal=True)
    assert out.dtype == dlogits.dtype == att.dtype == np.float32 and isinstance(loss, np.float32)
    folder = reference_with(week, tmp_path / WEEK, ALTERNATIVE, ("embedding", "attention"))
    report = grade(WEEK, folder, only=MINE)
    assert failures(report) == [] and report.score == report.max_score


def test_every_exercise_has_a_known_bad_example():
    """Is there at least one named known-bad example for each of the three exercises?"""
    assert {known_bad_meta(p)["EXERCISE"] for p in PATCHES} == MINE


CONTAINERS = {
    "embedding": """
_forward, _backward, _loss = embedding_forward, embedding_backward, temporal_softmax_loss


def embedding_forward(ids, W):
    out, cache = _forward(ids, W)
    return [out.tolist(), {"inner": cache}]


def embedding_backward(dout, cache):
    return tuple(_backward(dout, cache["inner"]).tolist())


def temporal_softmax_loss(logits, targets, mask):
    loss, dlogits = _loss(logits, targets, mask)
    return np.asarray(loss), dlogits.tolist()
""",
    "attention": """
_forward, _backward = attention_forward, attention_backward


def attention_forward(q, k, v, causal=False):
    out, cache = _forward(q, k, v, causal)
    return out.tolist(), list(cache)


def attention_backward(dout, cache):
    dq, dk, dv = _backward(dout, tuple(cache))
    return [dq.tolist(), dk.astype(np.float32), dv.tolist()]
"""}


def test_results_in_any_container_score_full_marks(grade, tmp_path):
    """Do results given as lists, tuples, 0-d arrays and float32 arrays (and caches of any plain data)
    get full marks?"""
    report = grade(WEEK, patched(tmp_path, "containers", CONTAINERS), only=MINE)
    assert failures(report) == [] and report.score == report.max_score


# Backward passes that use what the latest forward left in a global instead of their cache: right when
# each backward follows its own forward, wrong when several forwards come first (as in a network).
LATEST_FORWARD = {
    "embedding": """
_forward = embedding_forward
_latest = {}


def embedding_forward(ids, W):
    out, cache = _forward(ids, W)
    _latest["cache"] = cache
    return out, None


def embedding_backward(dout, cache):
    ids, shape = _latest["cache"]
    dW = np.zeros(shape)
    np.add.at(dW, ids, np.asarray(dout, dtype=float))
    return dW
""",
    "attention": """
_forward, _backward = attention_forward, attention_backward
_latest = {}


def attention_forward(q, k, v, causal=False):
    out, cache = _forward(q, k, v, causal)
    _latest["cache"] = cache
    return out, None


def attention_backward(dout, cache):
    return _backward(dout, _latest["cache"])
"""}


def test_backward_is_judged_on_its_own_cache(grade, tmp_path):
    """Does a backward that ignores its cache (and reads what the latest forward left behind) fail the
    hidden checks that hand each cache back after several forwards, and those only?"""
    report = grade(WEEK, patched(tmp_path, "latest", LATEST_FORWARD), only=MINE)
    failed = {r.title.split(": ", 1)[1] for r in report.results if r.status != PASSED}
    assert {f.split(" ")[0] for f in failed} == {"embedding_backward", "attention_backward"}
    assert all("each cache handed back after several forwards" in f for f in failed), failed
    loss = by_exercise(report)["week5.temporal_softmax"]
    assert loss.score == loss.max_score


def masked_with(constant):
    return {"attention": f"""
def attention_forward(q, k, v, causal=False):
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    scale = 1.0 / np.sqrt(q.shape[-1])
    scores = q @ k.transpose(0, 2, 1) * scale
    if causal:
        Tq, Tk = scores.shape[1:]
        scores = np.where(np.tril(np.ones((Tq, Tk), dtype=bool)), scores, {constant})
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    return weights @ v, (q, k, v, weights, scale)
"""}


def test_a_mask_constant_must_hide_keys_at_large_scores(grade, tmp_path):
    """Does a causal mask made with a large negative constant get full marks when the constant is far below
    every score (−1e9), and lose the large-score check when it is not (−1e4, among scores of −1e4)?"""
    report = grade(WEEK, patched(tmp_path, "far", masked_with(-1e9)), only={"week5.attention"})
    assert failures(report) == []
    report = grade(WEEK, patched(tmp_path, "near", masked_with(-1e4)), only={"week5.attention"})
    failed = [r.title.split(": ", 1)[1] for r in report.results if r.status != PASSED]
    assert len(failed) == 1 and failed[0].startswith("attention_forward is finite and exact for scores of ±1e3")


# float32 weights exp(s − logsumexp(s)): the log-sum-exp of scores near 1e4 is rounded to ~5e-4 in float32.
LSE_FLOAT32 = {"attention": """
def attention_forward(q, k, v, causal=False):
    q, k, v = (np.asarray(a, dtype=np.float32) for a in (q, k, v))
    scale = np.float32(1.0 / np.sqrt(q.shape[-1]))
    s = q @ k.transpose(0, 2, 1) * scale
    if causal:
        s = np.where(np.tril(np.ones(s.shape[1:], dtype=bool)), s, np.float32(-np.inf))
    m = s.max(axis=-1, keepdims=True)
    weights = np.exp(s - (m + np.log(np.exp(s - m).sum(axis=-1, keepdims=True))))
    return weights @ v, (q, k, v, weights, scale)


def attention_backward(dout, cache):
    q, k, v, P, scale = cache
    dout = np.asarray(dout, dtype=np.float32)
    dP = dout @ v.transpose(0, 2, 1)
    dS = P * (dP - (dP * P).sum(axis=-1, keepdims=True))
    return dS @ k * scale, dS.transpose(0, 2, 1) @ q * scale, P.transpose(0, 2, 1) @ dout
"""}


def test_float32_log_sum_exp_weights_pass_at_large_scores(grade, tmp_path):
    """Does a float32 attention whose weights are exp(s − logsumexp(s)), off by ~5e-4 relative at scores of
    1e4 (the log-sum-exp's float32 rounding there), get full marks: the large-score checks demand the
    precision float32 has at that scale (large_score_rtol), not float64's?"""
    report = grade(WEEK, patched(tmp_path, "lse", LSE_FLOAT32), only={"week5.attention"})
    assert failures(report) == []


WRONG_RESULTS = {
    "embedding": """
_forward, _loss = embedding_forward, temporal_softmax_loss


def embedding_forward(ids, W):
    out, cache = _forward(ids, W)
    return out.reshape(-1, out.shape[-1]), cache


def temporal_softmax_loss(logits, targets, mask):
    loss, dlogits = _loss(logits, targets, mask)
    return np.full(np.shape(targets), loss), dlogits
""",
    "attention": """
_forward = attention_forward


def attention_forward(q, k, v, causal=False):
    out, cache = _forward(q, k, v, causal)
    return out * np.nan, cache
"""}


def test_wrong_shapes_and_nan_get_clear_messages(grade, tmp_path):
    """Do an output of the wrong shape, a loss per position instead of one number and a NaN output get
    messages that say what is wrong (not a traceback)?"""
    report = grade(WEEK, patched(tmp_path, "wrong", WRONG_RESULTS), only=MINE)
    outputs = {e.id: "\n".join(c.output for c in e.checks) for e in report.exercises()}
    assert "reshape it to (N, T, D)" in outputs["week5.embedding"]
    assert "should be a single number, got an array of shape (3, 5)" in outputs["week5.temporal_softmax"]
    assert "has a non-finite value (nan)" in outputs["week5.attention"]
    assert all(r.status != "error" for r in report.results)


def test_large_score_problems_are_exact_in_float32():
    """Do the large-score problems have scores of 1e3 to 1e4 in magnitude in every row (so that exp of them,
    unshifted, overflows or underflows everywhere), exactly the same in float32 as in float64?"""
    hidden = check_module(week, "attention_stable_for_large_scores")
    for shape, seed in (((2, 4, 6, 4, 3), 150), ((2, 5, 5, 16, 2), 151), ((2, 4, 5, 4, 3), 184),
                        ((2, 4, 4, 16, 3), 185)):
        q, k, _ = hidden.large_score_problem(*shape, seed)
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(q.shape[-1])
        assert 1e3 - 30 <= np.abs(scores).min() and np.abs(scores).max() <= 1e4 + 30
        q32, k32 = q.astype(np.float32), k.astype(np.float32)
        assert np.array_equal(q32 @ k32.transpose(0, 2, 1) / np.float32(np.sqrt(q.shape[-1])), scores)
        spread = scores.max(axis=-1) - scores.min(axis=-1)
        assert (spread > 1).all()  # each query weighs its keys differently: the softmax is not flat


def test_extreme_logits_are_exact_in_float32():
    """Are the ±1e4 logits of the extreme-logit check exact in float32, so that only the algorithm's
    rounding (and not the inputs') is judged?"""
    logits, _, _ = check_module(week, "temporal_softmax_extreme_logits").extreme_problem()
    assert np.abs(logits).max() == 1e4 and np.array_equal(logits.astype(np.float32), logits)
