"""Week 4's unpooling exercises (week4.conv_transpose, week4.max_unpool): the decisions their
checks make. A float32 implementation with loops and another algorithm gets full marks; only a
2-tuple output_size is ever passed (torch also takes (N, C, H, W), the table does not ask for it);
pooled values that share an index after overlapping windows carry the same value, so either
write order passes. Graded with only these two exercises, so that no training run is needed.
(That the reference scores full marks, the blank template zero and each known-bad example exactly
its EXERCISE_SCORE is checked with the rest of the week in test_week4_contract.py.)
"""


import numpy as np

from grader.course import Week
from grader.scoring import PASSED

from conftest import ROOT, check_module, reference_with

WEEK = "week4_autoencoders"
UNPOOL = {"week4.conv_transpose", "week4.max_unpool"}
week = Week.load(WEEK, ROOT)


def failures(report):
    return [(r.title, r.status, r.output) for r in report.results if r.status != PASSED]


def patch_file(tmp_path, name, body):
    """A patch of unpool.py (appended to the reference's, as a known-bad example is)."""
    path = tmp_path / f"{name}.py"
    path.write_text(f'"""{name}"""\nMODULE = "unpool"\n' + body)
    return path


def test_float32_loops_alternative_scores_full_marks(grade, tmp_path):
    """Does the float32 alternative (the transposed convolution as a convolution of the dilated input,
    max unpooling one value at a time) get full marks, float32 outputs and all?"""
    alternative = ROOT / "examples" / WEEK / "alternative_correct" / "unpool.py"
    namespace = {}
    exec(compile(alternative.read_text(), str(alternative), "exec"), namespace)
    rng = np.random.default_rng(0)
    out, _ = namespace["conv_transpose2d_forward"](rng.normal(size=(1, 2, 3, 3)), rng.normal(size=(2, 3, 2, 2)),
                                                    rng.normal(size=3), stride=2, padding=1)
    assert out.dtype == np.float32
    folder = reference_with(week, tmp_path / WEEK, alternative.parent, ("unpool",))
    report = grade(WEEK, folder, only=UNPOOL)
    assert failures(report) == [] and report.score == report.max_score


# Accepts output_size only as the 2-tuple the table states; anything else is an error.
TWO_TUPLE_ONLY = """
_reference_max_unpool2d = max_unpool2d


def max_unpool2d(x, indices, kernel=2, stride=2, output_size=None):
    if output_size is not None and len(output_size) != 2:
        raise ValueError("output_size must be (H, W)")
    return _reference_max_unpool2d(x, indices, kernel, stride, output_size)
"""

# Writes the pooled values in reverse order: where two share an index, the first one wins.
REVERSED_WRITES = """
def max_unpool2d(x, indices, kernel=2, stride=2, output_size=None):
    x = np.asarray(x, dtype=float)
    N, C, H, W = x.shape
    H_out, W_out = output_size if output_size is not None else ((H - 1) * stride + kernel, (W - 1) * stride + kernel)
    out = np.zeros((N, C, H_out * W_out))
    for n in range(N):
        for c in range(C):
            flat = np.asarray(indices[n, c]).ravel()[::-1]
            out[n, c, flat] = x[n, c].ravel()[::-1]
    return out.reshape(N, C, H_out, W_out)
"""


def test_output_size_demanded_as_a_pair_only(grade, tmp_path):
    """Does an implementation that refuses torch's 4-tuple output_size (N, C, H, W) get full marks, since
    the table states output_size as (H, W)?"""
    report = grade(WEEK, patch=patch_file(tmp_path, "two_tuple_only", TWO_TUPLE_ONLY), only={"week4.max_unpool"})
    assert failures(report) == [] and report.score == report.max_score


def test_shared_indices_pass_in_either_write_order(grade, tmp_path):
    """After overlapping 3×3 windows two pooled values can name the same position; they hold the same
    value, so does an implementation whose first write wins (not the last) get full marks?"""
    report = grade(WEEK, patch=patch_file(tmp_path, "reversed_writes", REVERSED_WRITES), only={"week4.max_unpool"})
    assert failures(report) == [] and report.score == report.max_score


def test_overlapping_problems_share_indices_with_equal_values():
    """Do the hidden checks' overlapping-window problems really have pooled values that share an index,
    and do those values agree (so that the write order cannot matter)?"""
    hidden = check_module(week, "max_unpool_forward_overlapping_windows")
    for shape, seed in (((2, 3, 9, 7), 150), ((1, 2, 8, 10), 151), ((2, 3, 9, 7), 160), ((1, 2, 8, 10), 162)):
        x, idx = hidden.shared_maxima_problem(shape, seed)
        shared = 0
        for n in range(shape[0]):
            for c in range(shape[1]):
                flat, values = idx[n, c].ravel(), x[n, c].ravel()
                for k in set(flat):
                    assert len(set(values[flat == k])) == 1
                shared += flat.size - len(set(flat))
        assert shared > 0


def test_output_size_problem_keeps_maxima_inside_the_default_plane():
    """Is the public output_size problem built so that an implementation ignoring output_size returns the
    default-size array (and is told so) rather than failing with an index out of range?"""
    public = check_module(week, "max_unpool_forward_matches_torch")
    x, idx = public.unpool_problem((2, 2, 7, 5), 2, 2, seed=31, within=6 * 4)
    assert idx.max() < 6 * 4
    assert public.torch_unpool(x, idx, 2, 2).shape == (2, 2, 6, 4)  # the default plane holds every index
