"""Week 5's recurrent exercises (week5.rnn_step, week5.rnn, week5.lstm_step, week5.lstm) and gradient
clipping (week5.clip), graded on these exercises only: the reference scores full marks, the blank
template zero, the float32 alternative (loops, einsum, another sigmoid, four gate products, another
clipping formula) full marks (each known-bad example's score and hint are checked with the rest of
the week in test_week5_contract.py; here, that every exercise has one). Then the decisions the checks make: a backward pass is judged with the
cache the student's own forward returned (plain data or an object left in their process); results
pass in any numeric container; wrong shapes and NaN are named; a backward that ignores the upstream
gradient of the early steps fails although the last-step-only checks pass; clipping below the
threshold changes nothing, and rescaling every time fails.
"""

import textwrap

import numpy as np
import torch

from grader.cli import known_bad_meta
from grader.course import Week
from grader.scoring import NOT_IMPLEMENTED, PASSED

from conftest import ROOT, check_module, known_bad_patches, reference_with

WEEK = "week5_rnn"
week = Week.load(WEEK, ROOT)
MINE = {"week5.rnn_step", "week5.rnn", "week5.lstm_step", "week5.lstm", "week5.clip"}
KNOWN_BAD = [p for p in known_bad_patches(WEEK) if known_bad_meta(p)["EXERCISE"] in MINE]


def failures(report):
    return [(r.title, r.status, r.output) for r in report.results if r.status != PASSED]


def by_exercise(report):
    return {e.id: e for e in report.exercises()}


def patch_file(tmp_path, name, module, body):
    """A patch of `module`.py (appended to the reference's, as a known-bad example is)."""
    path = tmp_path / f"{name}.py"
    path.write_text(f'"""{name}"""\nMODULE = "{module}"\n' + textwrap.dedent(body))
    return path


def test_reference_scores_full_marks(grade):
    """Does the reference pass every public and hidden check of these exercises?"""
    report = grade(WEEK, week.solution_dir, only=MINE)
    assert failures(report) == [] and report.score == report.max_score == 26


def test_blank_template_scores_zero_not_implemented(grade):
    """Does the untouched template score 0 with 'not implemented yet' naming its own exercise on every check?"""
    report = grade(WEEK, week.template_dir, only=MINE)
    assert report.score == 0 and {r.status for r in report.results} == {NOT_IMPLEMENTED}
    for r in report.results:
        assert "Not implemented yet" in r.output and r.id in r.output


def test_float32_alternative_scores_full_marks(grade, tmp_path):
    """Does the alternative (float32 states and results, loops over the batch and time, einsum, the sigmoid as
    exp(−logaddexp(0, −z)), four gate products, dict caches, clipping by division) get full marks?"""
    alternative = ROOT / "examples" / WEEK / "alternative_correct"
    namespace = {}
    exec(compile((alternative / "lstm.py").read_text(), "lstm.py", "exec"), namespace)
    rng = np.random.default_rng(0)
    h, cache = namespace["lstm_forward"](rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5)),
                                         rng.normal(size=(4, 20)), rng.normal(size=(5, 20)), rng.normal(size=20))
    assert h.dtype == np.float32
    assert {g.dtype for g in namespace["lstm_backward"](rng.normal(size=h.shape), cache)} == {np.dtype(np.float32)}
    folder = reference_with(week, tmp_path / WEEK, alternative, ("rnn", "lstm"))
    report = grade(WEEK, folder, only=MINE)
    assert failures(report) == [] and report.score == report.max_score


def test_every_recurrent_exercise_has_a_known_bad_example():
    """Has each of these five exercises at least one known-bad example?"""
    assert {known_bad_meta(p)["EXERCISE"] for p in KNOWN_BAD} == MINE


# --- the cache, containers, shapes and NaN --------------------------------------------------

# The step's cache is a closure: not plain data, so it stays in the student's process (a handle).
CLOSURE_CACHE = """
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    x, h_prev, Wx, Wh, b = (np.asarray(a, dtype=float) for a in (x, h_prev, Wx, Wh, b))
    h = np.tanh(x @ Wx + h_prev @ Wh + b)

    def backward(dh):
        da = np.asarray(dh, dtype=float) * (1.0 - h**2)
        return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)

    return h, backward


def rnn_step_backward(dh, cache):
    return cache(dh)
"""

# Every array a function returns as a nested list, the clipping norm as a 0-d float32 array.
AS_LISTS = """
def _listed(fn):
    def wrapped(*args, **kwargs):
        out = fn(*args, **kwargs)
        if isinstance(out, tuple):  # forward: (h[, c], cache); backward: gradients
            return tuple(o.tolist() if isinstance(o, np.ndarray) else o for o in out)
        return np.asarray(out, dtype=np.float32)
    return wrapped


rnn_step_forward, rnn_step_backward = _listed(rnn_step_forward), _listed(rnn_step_backward)
rnn_forward, rnn_backward = _listed(rnn_forward), _listed(rnn_backward)
clip_grad_norm = _listed(clip_grad_norm)
"""


def test_backward_judged_with_a_cache_left_in_the_students_process(grade, tmp_path):
    """Does a step whose cache is a closure (not plain data: the grader holds a handle to it and hands it back
    to the student's backward) get full marks?"""
    report = grade(WEEK, patch=patch_file(tmp_path, "closure_cache", "rnn", CLOSURE_CACHE), only={"week5.rnn_step"})
    assert failures(report) == [] and report.score == report.max_score


def test_results_as_lists_and_float32_scalars_score_full_marks(grade, tmp_path):
    """Do results returned as nested lists (and a norm as a float32 0-d array) pass, whatever their container?"""
    report = grade(WEEK, patch=patch_file(tmp_path, "as_lists", "rnn", AS_LISTS),
                   only={"week5.rnn_step", "week5.rnn", "week5.clip"})
    assert failures(report) == [] and report.score == report.max_score


WRONG_SHAPES = """
_reference_rnn_forward = rnn_forward


def rnn_forward(x, h0, Wx, Wh, b):
    h, cache = _reference_rnn_forward(x, h0, Wx, Wh, b)
    return h.transpose(1, 0, 2), cache


_reference_rnn_step_backward = rnn_step_backward


def rnn_step_backward(dh, cache):
    dx, dh_prev, dWx, dWh, db = _reference_rnn_step_backward(dh, cache)
    return dx, dh_prev, dWx.T, dWh, db
"""

NAN_DX = """
_reference_lstm_step_backward = lstm_step_backward


def lstm_step_backward(dh, dc, cache):
    dx, *rest = _reference_lstm_step_backward(dh, dc, cache)
    dx = dx.copy()
    dx[0, 1] = np.nan
    return (dx, *rest)
"""


def test_wrong_shapes_and_nan_are_named(grade, tmp_path):
    """Is a hidden-state sequence stacked time first, a transposed dWx and a NaN in dx each named in the
    feedback (shape expected, "transposed?", the NaN's index)?"""
    report = grade(WEEK, patch=patch_file(tmp_path, "wrong_shapes", "rnn", WRONG_SHAPES),
                   only={"week5.rnn_step", "week5.rnn"})
    outputs = {e.id: "\n".join(c.output for c in e.checks if c.status != PASSED) for e in report.exercises()}
    assert "yours is (T, N, H), time first" in outputs["week5.rnn"]
    assert "gradient for Wx: expected shape (4, 5), got (5, 4) (transposed?)" in outputs["week5.rnn_step"]
    report = grade(WEEK, patch=patch_file(tmp_path, "nan_dx", "lstm", NAN_DX), only={"week5.lstm_step"})
    failed = [r.output for r in report.results if r.status != PASSED]
    assert failed and all("not finite at index (0, 1)" in out or "non-finite value (nan) at index (0, 1)" in out
                          for out in failed)


# --- what the checks decide ---------------------------------------------------------------------

# The upstream gradient of every step but the last thrown away: right when only the last step has one.
EARLY_STEPS_IGNORED = """
_reference_rnn_backward = rnn_backward


def rnn_backward(dh, cache):
    dh = np.array(dh, dtype=float)
    dh[:, :-1] = 0.0
    return _reference_rnn_backward(dh, cache)
"""


def test_backward_ignoring_the_early_steps_upstream_fails(grade, tmp_path):
    """Does an rnn_backward whose forward is right but which ignores dh on every step but the last lose the
    checks with an upstream gradient on every step, while those with one on the last step only pass?"""
    report = grade(WEEK, patch=patch_file(tmp_path, "early_steps_ignored", "rnn", EARLY_STEPS_IGNORED),
                   only={"week5.rnn"})
    failed = {r.title.split(": ", 1)[1] for r in report.results if r.status != PASSED}
    assert len(failed) == 2 and all("rnn_backward" in title for title in failed)
    assert any("every hidden state" in title for title in failed)
    assert report.score == 3  # the forward checks and the last-step-only check


# Rescales every time to max_norm, below the threshold too.
ALWAYS_RESCALES = """
def clip_grad_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(np.square(g, dtype=float)) for g in grads)))
    for g in grads:
        g *= max_norm / total
    return total
"""


def test_clip_below_the_threshold_changes_nothing(grade, tmp_path):
    """Below max_norm, do torch.nn.utils.clip_grad_norm_ and the reference leave the checks' arrays bit-identical
    (so that the check may demand it), and does a clip that rescales every time lose the checks below the
    threshold, with its mistake named?"""
    public = check_module(week, "clip_leaves_small_gradients_untouched")
    namespace = {}
    exec(compile((week.solution_dir / "rnn.py").read_text(), "rnn.py", "exec"), namespace)
    below = (([(4, 5), (5,), (2, 3, 4)], 0.6, 52, 1.0, np.float64), ([(6,), (2, 2)], 4.0, 53, 5.0, np.float64),
             ([(16, 32), (32,), (32, 8), (8,), (1,), (3, 4, 5), (100,)], 0.03, 151, 0.1, np.float32))
    for shapes, total, seed, max_norm, dtype in below:
        grads = public.clip_problem(shapes, total, seed, dtype)
        mine = [g.copy() for g in grads]
        namespace["clip_grad_norm"](mine, max_norm)
        params = [torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64)) for g in grads]
        for p, g in zip(params, grads):
            p.grad = torch.tensor(g.astype(np.float64))
        torch.nn.utils.clip_grad_norm_(params, max_norm)
        for g, m, p in zip(grads, mine, params):
            assert np.array_equal(g, m) and np.array_equal(g.astype(np.float64), p.grad.numpy())
    report = grade(WEEK, patch=patch_file(tmp_path, "always_rescales", "rnn", ALWAYS_RESCALES), only={"week5.clip"})
    failed = [r for r in report.results if r.status != PASSED]
    passed = [r.title for r in report.results if r.status == PASSED]
    assert len(passed) == 1 and "scales every array in place" in passed[0]  # above the threshold only
    assert all("scaling every array to the total norm max_norm whatever its norm" in r.output for r in failed)


def largest_rnn_preactivation(x, h, Wx, Wh, b):
    """max |a| over the steps of an RNN on x (N, T, D) from h."""
    largest = 0.0
    for t in range(x.shape[1]):
        a = x[:, t] @ Wx + h @ Wh + b
        largest, h = max(largest, np.abs(a).max()), np.tanh(a)
    return largest


def largest_lstm_preactivation(x, h, c, Wx, Wh, b):
    """max |a| over the steps and gates of an LSTM on x (N, T, D) from h and c."""
    H, largest = h.shape[1], 0.0
    sigmoid = check_module(week, "lstm_forward_matches_torch").sigmoid
    for t in range(x.shape[1]):
        a = x[:, t] @ Wx + h @ Wh + b
        i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 3 * H:])
        c = f * c + i * np.tanh(a[:, 2 * H:3 * H])
        largest, h = max(largest, np.abs(a).max()), o * np.tanh(c)
    return largest


def test_public_problems_reach_saturation_yet_stay_well_conditioned():
    """Do the public backward problems hold pre-activations where tanh and σ saturate (|a| ≥ 2.5: tanh′ < 0.03,
    σ′ < 0.08) and none so large that numerical differentiation loses its precision (|a| < 6)?"""
    rnn, lstm = check_module(week, "rnn_backward_numerical_every_step"), check_module(week, "lstm_backward_numerical_every_step")
    x, h_prev, Wx, Wh, b = rnn.rnn_step_problem(3, 4, 5, seed=20, scale=1.5)
    sizes = [largest_rnn_preactivation(x[:, None], h_prev, Wx, Wh, b)]
    sizes += [largest_rnn_preactivation(*rnn.rnn_problem(2, T, 3, 4, seed=seed)) for T, seed in ((6, 40), (7, 41))]
    x, h_prev, c_prev, Wx, Wh, b = lstm.lstm_step_problem(3, 3, 4, seed=70, scale=1.5)
    sizes.append(largest_lstm_preactivation(x[:, None], h_prev, c_prev, Wx, Wh, b))
    for T, seed in ((6, 90), (7, 91)):
        x, h0, Wx, Wh, b = lstm.lstm_problem(2, T, 3, 3, seed=seed)
        sizes.append(largest_lstm_preactivation(x, h0, np.zeros_like(h0), Wx, Wh, b))
    assert all(2.5 <= s < 6 for s in sizes), sizes
