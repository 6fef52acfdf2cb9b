"""What every week must satisfy, graded end to end through the real sandbox: the
reference scores full marks, the blank template zero with "not implemented yet", each
known-bad example loses exactly the points of the exercise it breaks (and of those its
ALSO_COSTS header names) with feedback naming the bug, other correct implementations
score full marks, the exercise ids agree everywhere, and the public checks run without
the reference or the hidden checks.

The tests live here, without parameters; each test_*.py file that imports them names its weeks
and parametrizes them with `parametrize` (its pytest_generate_tests), so that the weeks' files
run in parallel (test_weeks.py: weeks 1–3; test_week4_contract.py: week 4; test_week5_contract.py:
week 5; test_week6_contract.py: week 6). Weeks are graded
with their TEST_RUBRIC changes (tests/conftest.py: weeks 3 to 6 train on smaller recipes).
Week-specific tests stay in test_<week>.py.
"""

import re
import shutil
from dataclasses import dataclass

import pytest

from grader.cli import known_bad_meta
from grader.course import STUB_ID, SOLUTION_BEGIN, Week
from grader.engine import grade_submission
from grader.registry import load_checks
from grader.scoring import NOT_IMPLEMENTED, PASSED

from conftest import ROOT, for_tests, known_bad_patches


@dataclass(frozen=True)
class Contract:
    exercises: int  # how many exercises the week has
    # What a known-bad patch is graded on: "week", "module" (the exercises of the module it
    # patches, and those of its ALSO_COSTS header; the rest runs the reference's code, which the
    # reference test grades) or "exercise" (its own exercise and those of ALSO_COSTS, as the demo
    # grades it). Week 3 uses "module": its CNN training is the slow part. Week 4 uses "exercise":
    # three of its modules hold a trained exercise beside a NumPy one.
    known_bad_scope: str = "week"
    # Other correct implementations graded whole only in the slow tests (week 3: each trains a CNN;
    # week 4: three networks; their test files grade the exercises that train nothing in the default
    # suite).
    other_correct_slow: bool = False


CONTRACTS = {
    "week1_linear_models": Contract(exercises=18),
    "week2_neural_networks": Contract(exercises=7),
    "week3_cnn": Contract(exercises=8, known_bad_scope="module", other_correct_slow=True),
    "week4_autoencoders": Contract(exercises=8, known_bad_scope="exercise", other_correct_slow=True),
    "week5_rnn": Contract(exercises=10, known_bad_scope="exercise"),
    # Week 6's other correct captioner (a transformer decoder) trains for about a minute: slow; its text.py
    # and bleu.py are graded in the default suite by test_week6_text_bleu.py.
    "week6_captioning": Contract(exercises=4, known_bad_scope="exercise", other_correct_slow=True),
}


def parametrize(metafunc, weeks):
    """Parametrize the tests of a file that imports them over `weeks`: by week, by (week, known-bad
    patch) and by (week, other correct implementation)."""
    names = metafunc.fixturenames
    if "patch" in names:
        cases = [(w, p) for w in weeks for p in known_bad_patches(w)]
        metafunc.parametrize("week,patch", cases, ids=[f"{w.split('_')[0]}-{p.stem}" for w, p in cases])
    elif "folder" in names:
        cases = [pytest.param(w, p, id=f"{w.split('_')[0]}-{p.name}",
                              marks=[pytest.mark.slow] if CONTRACTS[w].other_correct_slow else [])
                 for w in weeks for p in sorted((ROOT / "examples" / w).glob("*")) if p.is_dir() and p.name != "known_bad"]
        metafunc.parametrize("week,folder", cases)
    elif "week" in names:
        metafunc.parametrize("week", weeks)


def load(name: str) -> Week:
    return Week.load(name, ROOT)


def by_exercise(report):
    return {e.id: e for e in report.exercises()}


def test_reference_scores_full_marks(grade, week):
    """Does the reference solution pass every public and hidden check?"""
    report = grade(week, load(week).solution_dir)
    failing = [(r.title, r.status, r.output) for r in report.results if r.status != PASSED]
    assert failing == []
    assert report.score == report.max_score > 0


def test_blank_template_scores_zero_not_implemented(grade, week):
    """Does the untouched template score 0 with 'not implemented yet' on every check, naming its own exercise?"""
    report = grade(week, load(week).template_dir)
    assert report.score == 0
    assert {r.status for r in report.results} == {NOT_IMPLEMENTED}
    for r in report.results:
        assert "Not implemented yet" in r.output and re.search(rf"\b{re.escape(r.id)}\b", r.output), r.output


def test_known_bad_loses_exactly_its_exercise(grade, week, patch):
    """Does a submission with one known bug lose points in that exercise (and in the exercises its
    header says build on it) only, with a hint naming the bug?"""
    meta = known_bad_meta(patch)
    downstream = set(meta["ALSO_COSTS"])
    only = None
    if CONTRACTS[week].known_bad_scope == "module":
        only = {e for e, m in load(week).exercise_modules.items() if m == meta["MODULE"]} | downstream
    elif CONTRACTS[week].known_bad_scope == "exercise":
        only = {meta["EXERCISE"]} | downstream
    report = grade(week, patch=patch, only=only)
    exercises = by_exercise(report)
    target = exercises[meta["EXERCISE"]]
    others = {e.id: (e.score, e.max_score) for e in exercises.values()
              if e.id != meta["EXERCISE"] and e.score != e.max_score}
    assert set(others) == downstream, f"other exercises lost points: {others}"
    assert target.score == meta["EXERCISE_SCORE"] < target.max_score
    outputs = "\n".join(c.output for c in target.checks if c.status != PASSED)
    assert meta["HINT"] in outputs
    assert "Internal grader error" not in outputs + "".join(c.output for e in downstream for c in exercises[e].checks)


def test_every_exercise_has_a_known_bad_example(week):
    """Is there at least one named known-bad example for each exercise?"""
    covered = {known_bad_meta(p)["EXERCISE"] for p in known_bad_patches(week)}
    assert set(load(week).exercise_modules) - covered == set()


def test_other_correct_implementations_score_full_marks(grade, week, folder):
    """Does an independently written correct submission (float32, loops, other algebra, other rng use) get full marks?"""
    report = grade(week, folder)
    failing = [(r.title, r.output) for r in report.results if r.status != PASSED]
    assert failing == []


def test_exercise_ids_agree_everywhere(week):
    """Are the exercise ids of the checks, the solution markers and the stubs the same set, in the same modules?"""
    w = load(week)
    checks = {c.exercise for c in load_checks(w.assignment_dir, include_hidden=True)}
    markers, stubs = {}, {}
    for module in w.modules:
        for line in (w.solution_dir / f"{module}.py").read_text().splitlines():
            if (m := SOLUTION_BEGIN.match(line)) and m.group("id"):
                markers.setdefault(m.group("id"), module)
        for m in STUB_ID.finditer((w.template_dir / f"{module}.py").read_text()):
            stubs.setdefault(m.group("id"), module)
    assert checks == set(markers) == set(stubs)
    assert markers == stubs == dict(w.exercise_modules)
    assert len(checks) == CONTRACTS[week].exercises


def test_every_exercise_has_public_and_hidden_checks(week):
    """Does each exercise ship a public check to students and keep a hidden one back?"""
    w = load(week)
    checks = load_checks(w.assignment_dir, include_hidden=True)
    for exercise in w.exercise_modules:
        kinds = {c.visibility for c in checks if c.exercise == exercise}
        assert kinds == {"public", "hidden"}, exercise


def test_public_checks_run_without_the_reference_or_hidden_checks(week, tmp_path):
    """Does a student's copy of the course (no solutions/, no hidden checks) grade the public checks fully?"""
    w = load(week)
    course = tmp_path / "course"
    shutil.copytree(w.assignment_dir, course / "assignments" / week,
                    ignore=shutil.ignore_patterns("hidden_*", "__pycache__"))
    shutil.copytree(w.template_dir, course / "student_template" / week)
    student = tmp_path / "work" / week
    shutil.copytree(w.solution_dir, student)  # a student who solved everything
    report = grade_submission(for_tests(Week.load(w.short, course)), student, mode="check", device="cpu")
    assert report.results and all(r.visibility == "public" for r in report.results)
    assert [r.output for r in report.results if r.status != PASSED] == []
    assert not list(course.rglob("hidden_*"))
