"""Week 2 graded end to end: the reference, the blank template, every known-bad
example and a second correct implementation, through the real sandbox."""

import re
import shutil

import pytest

from grader.cli import known_bad_meta
from grader.course import STUB_ID, SOLUTION_BEGIN, Week
from grader.engine import grade_submission
from grader.registry import load_checks
from grader.scoring import NOT_IMPLEMENTED, PASSED

from conftest import ROOT, known_bad_patches

WEEK = "week2_neural_networks"
week = Week.load(WEEK, ROOT)
PATCHES = known_bad_patches(WEEK)


def by_exercise(report):
    return {e.id: e for e in report.exercises()}


def also_costs(patch):
    """The exercises that build on the broken one and must lose points with it (build_mlp
    trains the student's own layers), declared in the patch's ALSO_COSTS header."""
    return set(known_bad_meta(patch)["ALSO_COSTS"])


def test_reference_scores_full_marks(grade):
    """Does the reference solution pass every public and hidden check?"""
    report = grade(WEEK, week.solution_dir)
    failing = [(r.title, r.status, r.output) for r in report.results if r.status != PASSED]
    assert failing == []
    assert report.score == report.max_score > 0


def test_blank_template_scores_zero_not_implemented(grade):
    """Does the untouched template score 0 with 'not implemented yet' on every check?"""
    report = grade(WEEK, week.template_dir)
    assert report.score == 0
    assert {r.status for r in report.results} == {NOT_IMPLEMENTED}
    assert all("Not implemented yet" in r.output and r.id in r.output for r in report.results)


@pytest.mark.parametrize("patch", PATCHES, ids=[p.stem for p in PATCHES])
def test_known_bad_loses_exactly_its_exercise(grade, patch):
    """Does a submission with one known bug lose points in that exercise (and in the exercises its
    header says build on it) only, with a hint naming the bug?"""
    meta = known_bad_meta(patch)
    report = grade(WEEK, patch=patch)
    exercises = by_exercise(report)
    target = exercises[meta["EXERCISE"]]
    downstream = also_costs(patch)
    others = {e.id: (e.score, e.max_score) for e in exercises.values()
              if e.id != meta["EXERCISE"] and e.score != e.max_score}
    assert set(others) == downstream, f"other exercises lost points: {others}"
    assert target.score == meta["EXERCISE_SCORE"] < target.max_score
    outputs = "\n".join(c.output for c in target.checks if c.status != PASSED)
    assert meta["HINT"] in outputs
    assert "Internal grader error" not in outputs + "".join(c.output for e in downstream for c in exercises[e].checks)


def test_downstream_costs_are_only_the_trained_network():
    """Is week2.train_mlp (which trains the student's own layers) the only exercise a bug elsewhere may also cost?"""
    declared = set().union(*(also_costs(p) for p in PATCHES))
    assert declared <= {"week2.train_mlp"}


def test_every_exercise_has_a_known_bad_example():
    """Is there at least one named known-bad example for each exercise?"""
    covered = {known_bad_meta(p)["EXERCISE"] for p in PATCHES}
    assert set(week.exercise_modules) - covered == set()


@pytest.mark.parametrize("folder", sorted(p for p in (ROOT / "examples" / WEEK).glob("*") if p.is_dir() and p.name != "known_bad"),
                         ids=lambda p: p.name)
def test_other_correct_implementations_score_full_marks(grade, folder):
    """Does an independently written correct submission (float32, loops, other algebra, other rng use) get full marks?"""
    report = grade(WEEK, folder)
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
    assert len(checks) == 7


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
    copy = Week.load("week2", course)
    report = grade_submission(copy, student, mode="check", device="cpu")
    assert report.results and all(r.visibility == "public" for r in report.results)
    assert [r.output for r in report.results if r.status != PASSED] == []
    assert not list(course.rglob("hidden_*"))


def test_stub_messages_name_the_exercise(grade):
    """Does the 'not implemented' feedback name the exercise id the student must implement?"""
    for r in grade(WEEK, week.template_dir).results:
        assert re.search(rf"\b{re.escape(r.id)}\b", r.output)


def test_nand_weights_constant_works_as_well_as_the_function(tmp_path):
    """Does a perceptron.py that sets NAND_WEIGHTS as a plain constant (no nand_weights()) score like the reference?"""
    folder = tmp_path / WEEK
    shutil.copytree(week.solution_dir, folder, ignore=shutil.ignore_patterns("__pycache__"))
    source = (folder / "perceptron.py").read_text()
    source = source.replace("def __getattr__(name):", "def _unused(name):")
    source += "\n\nNAND_WEIGHTS = (np.array([-1.0, -1.0]), 1.5)\n"
    (folder / "perceptron.py").write_text(source)
    report = grade_submission(week, folder, device="cpu", only={"week2.perceptron"})
    assert [r.output for r in report.results if r.status != PASSED] == []
