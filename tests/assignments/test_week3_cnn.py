"""Week 3's own tests: the training checks and the full recipe. What every week must
satisfy (reference, template, known-bad examples, ids) is in test_weeks.py, graded with
the smaller training recipe of conftest.TEST_RUBRIC (fewer epochs and images, the same
threshold). The full recipe runs in the tests marked slow here, and
`benchmarks/calibrate_week3.py` prints its calibration figures.

The notebook runs with the other weeks' in test_notebooks.py.
"""

import pytest

from grader.cli import apply_known_bad
from grader.course import Week
from grader.engine import grade_submission
from grader.scoring import PASSED

from conftest import ROOT, TEST_RUBRIC, for_tests

WEEK = "week3_cnn"
week = Week.load(WEEK, ROOT)
TEST_RECIPE = TEST_RUBRIC[WEEK]["cnn"]


@pytest.fixture(scope="module")
def grade3(tmp_path_factory):
    """grade3(folder=None, patch=None, only=None, recipe=TEST_RECIPE) -> GradeReport, memoised.
    With `patch`, the folder is a copy of the reference with that known-bad patch applied;
    `recipe` is merged into the rubric's [cnn] table (None: the rubric as it is)."""
    cache = {}

    def _grade(folder=None, patch=None, only=None, recipe=TEST_RECIPE):
        key = (str(folder), str(patch), tuple(sorted(only or ())), tuple(sorted((recipe or {}).items())))
        if key not in cache:
            w = for_tests(Week.load(WEEK, ROOT), {"cnn": recipe} if recipe else {})
            if patch is not None:
                folder = apply_known_bad(w, patch, tmp_path_factory.mktemp("bad") / w.name)
            cache[key] = grade_submission(w, folder, device="cpu", only=set(only) if only else None)
        return cache[key]

    return _grade


def test_cnn_checks_read_the_recipe_from_the_rubric(grade3):
    """Do the training checks take their recipe and threshold from the rubric they are given (so that
    the test recipe really is the one used)? The MLP passes once the threshold is lowered to 0.2."""
    patch = ROOT / "examples" / WEEK / "known_bad" / "cnn_is_an_mlp.py"
    report = grade3(patch=patch, only={"week3.cnn"}, recipe={**TEST_RECIPE, "accuracy_threshold": 0.2})
    assert [(r.title, r.output) for r in report.results if r.status != PASSED] == []


@pytest.mark.slow
@pytest.mark.parametrize("folder", [week.solution_dir, ROOT / "examples" / WEEK / "alternative_correct"],
                         ids=["reference", "alternative_correct"])
def test_full_recipe_cnn_clears_the_threshold(grade3, folder):
    """With the rubric's own recipe, does a correct CNN reach the accuracy threshold on validation and test?"""
    report = grade3(folder, only={"week3.cnn"}, recipe=None)
    assert [(r.title, r.output) for r in report.results if r.status != PASSED] == []


@pytest.mark.slow
def test_full_recipe_mlp_misses_the_threshold(grade3):
    """With the rubric's own recipe, does the same-budget MLP stay below the threshold, with the hint?"""
    patch = ROOT / "examples" / WEEK / "known_bad" / "cnn_is_an_mlp.py"
    report = grade3(patch=patch, only={"week3.cnn"}, recipe=None)
    failed = [r for r in report.results if r.status != PASSED]
    assert len(failed) == 2 and all("A network of Linear layers" in r.output for r in failed)
