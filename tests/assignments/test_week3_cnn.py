"""Week 3 graded end to end: the reference, the blank template, every known-bad
example and a second correct implementation, through the real sandbox.

Training build_cnn with the rubric's recipe takes about 25 s per submission on a
2-core CPU, so these tests grade with a smaller recipe (`TEST_RECIPE`: fewer epochs and
images, the same threshold) handed to the checks through the week's rubric, which is
where the checks read it. The full recipe runs in the tests marked slow, and
`benchmarks/calibrate_week3.py` prints its calibration figures.

A known-bad patch changes one module, so only the exercises of that module are graded
for it; the others run exactly the reference's code, which the reference test grades.

The notebook runs with the other weeks' in test_notebooks.py.
"""

import copy
import re
import shutil

import pytest

from grader.cli import apply_known_bad, known_bad_meta
from grader.course import STUB_ID, SOLUTION_BEGIN, Week
from grader.engine import grade_submission
from grader.registry import load_checks
from grader.scoring import NOT_IMPLEMENTED, PASSED

from conftest import ROOT, known_bad_patches

WEEK = "week3_cnn"
week = Week.load(WEEK, ROOT)
PATCHES = known_bad_patches(WEEK)

# About a sixth of the rubric's training budget, same threshold. Calibrated like the rubric
# (benchmarks/calibrate_week3.py --set epochs=4 n_train=1000 n_val=300 n_test=300): see [cnn] there.
TEST_RECIPE = {"n_train": 1000, "n_val": 300, "n_test": 300, "epochs": 4}


def week_with(recipe: dict | None) -> Week:
    """The week with `recipe` merged into its rubric's [cnn] table (None: the rubric as it is)."""
    w = Week.load(WEEK, ROOT)
    if recipe:
        w.rubric = copy.deepcopy(w.rubric)
        w.rubric["cnn"].update(recipe)
    return w


@pytest.fixture(scope="module")
def grade3(tmp_path_factory):
    """grade3(folder=None, patch=None, only=None, recipe=TEST_RECIPE) -> GradeReport, memoised.
    With `patch`, the folder is a copy of the reference with that known-bad patch applied."""
    cache = {}

    def _grade(folder=None, patch=None, only=None, recipe=TEST_RECIPE):
        key = (str(folder), str(patch), tuple(sorted(only or ())), tuple(sorted((recipe or {}).items())))
        if key not in cache:
            w = week_with(recipe)
            if patch is not None:
                folder = apply_known_bad(w, patch, tmp_path_factory.mktemp("bad") / w.name)
            cache[key] = grade_submission(w, folder, device="cpu", only=set(only) if only else None)
        return cache[key]

    return _grade


def by_exercise(report):
    return {e.id: e for e in report.exercises()}


def exercises_of(module):
    return {e for e, m in week.exercise_modules.items() if m == module}


def test_reference_scores_full_marks(grade3):
    """Does the reference solution pass every public and hidden check?"""
    report = grade3(week.solution_dir)
    failing = [(r.title, r.status, r.output) for r in report.results if r.status != PASSED]
    assert failing == []
    assert report.score == report.max_score > 0


def test_blank_template_scores_zero_not_implemented(grade3):
    """Does the untouched template score 0 with 'not implemented yet' on every check, naming its own exercise?"""
    report = grade3(week.template_dir)
    assert report.score == 0
    assert {r.status for r in report.results} == {NOT_IMPLEMENTED}
    for r in report.results:
        assert "Not implemented yet" in r.output and re.search(rf"\b{re.escape(r.id)}\b", r.output), r.output


@pytest.mark.parametrize("patch", PATCHES, ids=[p.stem for p in PATCHES])
def test_known_bad_loses_exactly_its_exercise(grade3, patch):
    """Does a submission with one known bug lose points in that exercise only, with a hint naming the bug?"""
    meta = known_bad_meta(patch)
    report = grade3(patch=patch, only=exercises_of(meta["MODULE"]))
    exercises = by_exercise(report)
    target = exercises[meta["EXERCISE"]]
    others = {e.id: (e.score, e.max_score) for e in exercises.values() if e.id != meta["EXERCISE"] and e.score != e.max_score}
    assert others == {}, f"other exercises lost points: {others}"
    assert target.score == meta["EXERCISE_SCORE"] < target.max_score
    outputs = "\n".join(c.output for c in target.checks if c.status != PASSED)
    assert meta["HINT"] in outputs
    assert "Internal grader error" not in outputs


def test_every_exercise_has_a_known_bad_example():
    """Is there at least one named known-bad example for each exercise?"""
    covered = {known_bad_meta(p)["EXERCISE"] for p in PATCHES}
    assert set(week.exercise_modules) - covered == set()


@pytest.mark.parametrize("folder", sorted(p for p in (ROOT / "examples" / WEEK).glob("*") if p.is_dir() and p.name != "known_bad"),
                         ids=lambda p: p.name)
def test_other_correct_implementations_score_full_marks(grade3, folder):
    """Does an independently written correct submission (float32, loops, other rng use, another CNN) get full marks?"""
    report = grade3(folder)
    failing = [(r.title, r.output) for r in report.results if r.status != PASSED]
    assert failing == []


def test_exercise_ids_agree_everywhere():
    """Are the exercise ids of the checks, the solution markers and the stubs the same set, in the same modules?"""
    checks = {c.exercise for c in load_checks(week.assignment_dir, include_hidden=True)}
    markers, stubs = {}, {}
    for module in week.modules:
        for line in (week.solution_dir / f"{module}.py").read_text().splitlines():
            if (m := SOLUTION_BEGIN.match(line)) and m.group("id"):
                markers.setdefault(m.group("id"), module)
        for m in STUB_ID.finditer((week.template_dir / f"{module}.py").read_text()):
            stubs.setdefault(m.group("id"), module)
    assert checks == set(markers) == set(stubs)
    assert markers == stubs == dict(week.exercise_modules)
    assert len(checks) == 8


def test_every_exercise_has_public_and_hidden_checks():
    """Does each exercise ship a public check to students and keep a hidden one back?"""
    checks = load_checks(week.assignment_dir, include_hidden=True)
    for exercise in week.exercise_modules:
        kinds = {c.visibility for c in checks if c.exercise == exercise}
        assert kinds == {"public", "hidden"}, exercise


def test_public_checks_run_without_the_reference_or_hidden_checks(tmp_path):
    """Does a student's copy of the course (no solutions/, no hidden checks) grade the public checks fully?"""
    course = tmp_path / "course"
    shutil.copytree(week.assignment_dir, course / "assignments" / WEEK,
                    ignore=shutil.ignore_patterns("hidden_*", "__pycache__"))
    shutil.copytree(week.template_dir, course / "student_template" / WEEK)
    student = tmp_path / "work" / WEEK
    shutil.copytree(week.solution_dir, student)  # a student who solved everything
    student_week = Week.load("week3", course)
    student_week.rubric["cnn"].update(TEST_RECIPE)
    report = grade_submission(student_week, student, mode="check", device="cpu")
    assert report.results and all(r.visibility == "public" for r in report.results)
    assert [r.output for r in report.results if r.status != PASSED] == []
    assert not list(course.rglob("hidden_*"))


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
