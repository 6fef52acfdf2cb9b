"""Tests for grader/engine.py: every outcome of every check of a (tiny, fake) week ends
as exactly one result with the right status, score and message."""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path

import pytest
from conftest import own_week_modules

from grader.course import Week
from grader.engine import grade_submission
from grader.scoring import ERROR, FAILED, NOT_IMPLEMENTED, PASSED, TIMEOUT

WEEK = "week1_linear_models"

RUBRIC = """
[week]
title = "A fake week for testing the engine"
modules = ["mod", "other"]

[limits]
call_seconds = 3
import_seconds = 1
exercise_seconds = 20
memory_mb = 1024
cpu_seconds = 30
output_kb = 16
"""

PUBLIC_MOD = '''
from grader.registry import CheckFailed, Partial, check


@check("week1.crash", points=1)
def crash_returns(sub, ref):
    """Check that crash returns 'ok'."""
    if sub.mod.crash() != "ok":
        raise CheckFailed("crash() should return 'ok'")


@check("week1.double", points=2)
def doubles_two(sub, ref):
    """Check that double(2) is 4."""
    got = sub.mod.double(2)
    if got != 4:
        raise CheckFailed(f"double(2): got {got!r}, expected 4")


@check("week1.double", points=1)
def doubles_negative(sub, ref):
    """Check that double(-1.5) is -3.0."""
    got = sub.mod.double(-1.5)
    if got != -3.0:
        raise CheckFailed(f"double(-1.5): got {got!r}, expected -3.0; are negative numbers handled?")


@check("week1.double", points=2)
def doubles_ten_numbers(sub, ref):
    """Check that double is right on -5 to 4."""
    right = sum(sub.mod.double(x) == 2 * x for x in range(-5, 5))
    return Partial(right / 10, f"{right} of 10 numbers doubled correctly")


@check("week1.double", points=1)
def check_with_a_bug(sub, ref):
    """Check that a bug in a check is the grader's, not the student's."""
    sub.mod.double(1)
    return 1 / 0


@check("week1.spin", points=1, timeout=0.5)
def spin_returns(sub, ref):
    """Check that spin returns."""
    sub.mod.spin()
'''

HIDDEN_MOD = '''
from grader.registry import CheckFailed, check


@check("week1.double", points=3)
def matches_reference(sub, ref):
    """Check that double matches the reference solution on 7."""
    expected = ref.mod.double(7)
    if sub.mod.double(7) != expected:
        raise CheckFailed(f"double(7) should be {expected}")
'''

PUBLIC_OTHER = '''
from grader.registry import CheckFailed, check


@check("week1.triple", points=1)
def triples_two(sub, ref):
    """Check that triple(2) is 6."""
    if sub.other.triple(2) != 6:
        raise CheckFailed("triple(2) should be 6")
'''

TEMPLATE_MOD = '''
def crash():
    raise NotImplementedError("week1.crash")


def double(x):
    raise NotImplementedError("week1.double")


def spin():
    raise NotImplementedError("week1.spin")
'''

TEMPLATE_OTHER = '''
def triple(x):
    raise NotImplementedError("week1.triple")
'''

SOLUTION_MOD = '''
def crash():
    return "ok"


def double(x):
    return 2 * x


def spin():
    return None
'''

# What a student might hand in: one exercise kills its process, one is half right, one never returns.
STUDENT_MOD = '''
import os


def crash():
    os._exit(3)


def double(x):
    return 2 * x if x >= 0 else x


def spin():
    while True:
        pass
'''

STUDENT_OTHER = '''
def triple(x):
    return 3 * x
'''


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text))
    return folder


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A course root holding one fake week: rubric, public and hidden checks, template, solution."""
    root = tmp_path_factory.mktemp("course")
    write(root / "assignments" / WEEK, {"rubric.toml": RUBRIC, "public_mod.py": PUBLIC_MOD,
                                        "hidden_mod.py": HIDDEN_MOD, "public_other.py": PUBLIC_OTHER})
    write(root / "student_template" / WEEK, {"mod.py": TEMPLATE_MOD, "other.py": TEMPLATE_OTHER})
    write(root / "solutions" / WEEK, {"mod.py": SOLUTION_MOD, "other.py": STUDENT_OTHER})
    return root


@pytest.fixture(scope="module", autouse=True)
def own_modules():
    """The fake week has the real week 1's name: keep its modules apart from the real ones."""
    with own_week_modules(WEEK):
        yield


@pytest.fixture(scope="module")
def week(course) -> Week:
    return Week.load("week1", root=course)


def grade(week, folder, mode="grade"):
    return grade_submission(week, folder, mode=mode, device="cpu")


def by_name(report) -> dict[str, tuple[str, float, str]]:
    return {r.name: (r.status, r.score, r.output) for r in report.results}


@pytest.fixture(scope="module")
def graded(week, tmp_path_factory):
    """The grade-mode report of the student's submission (STUDENT_MOD, STUDENT_OTHER)."""
    folder = write(tmp_path_factory.mktemp("alice") / WEEK, {"mod.py": STUDENT_MOD, "other.py": STUDENT_OTHER})
    return grade(week, folder)


def test_the_fake_week_loads_with_its_exercises_in_teaching_order(week):
    """Does the week read its modules from the rubric and its exercise ids from the template's stubs?"""
    assert week.modules == ["mod", "other"]
    assert list(week.exercise_modules.items()) == [
        ("week1.crash", "mod"), ("week1.double", "mod"), ("week1.spin", "mod"), ("week1.triple", "other")]


def test_each_check_gets_the_status_and_score_its_outcome_deserves(graded):
    """Do a pass, a CheckFailed, a Partial, a bug in a check, a timeout and a crash each map to their status and score?"""
    results = {name: (status, score) for name, (status, score, _) in by_name(graded).items()}
    assert results == {
        "crash returns 'ok'": (ERROR, 0.0),
        "double(2) is 4": (PASSED, 2.0),
        "double(-1.5) is -3.0": (FAILED, 0.0),
        "double is right on -5 to 4": (FAILED, 1.0),
        "a bug in a check is the grader's, not the student's": (ERROR, 0.0),
        "double matches the reference solution on 7": (PASSED, 3.0),
        "spin returns": (TIMEOUT, 0.0),
        "triple(2) is 6": (PASSED, 1.0),
    }
    assert [r.id for r in graded.results] == ["week1.crash"] + ["week1.double"] * 5 + ["week1.spin", "week1.triple"]
    assert graded.score == 7.0 and graded.max_score == 12.0


def test_messages_say_what_happened(graded):
    """Does each result's output tell the student (or the instructor) what went wrong?"""
    out = {name: output for name, (_, _, output) in by_name(graded).items()}
    assert "double(-1.5): got -1.5, expected -3.0; are negative numbers handled?" == out["double(-1.5) is -3.0"]
    assert out["double is right on -5 to 4"] == "5 of 10 numbers doubled correctly"
    assert out["double(2) is 4"] == ""
    assert out["spin returns"] == "Your code did not finish within 0.5 s and was stopped."


def test_a_bug_in_a_check_is_an_internal_grader_error(graded):
    """When the check's own code raises (ZeroDivisionError in the judge), is it an error blamed on the grader?"""
    status, score, output = by_name(graded)["a bug in a check is the grader's, not the student's"]
    assert (status, score) == (ERROR, 0.0)
    assert "Internal grader error" in output and "check_with_a_bug" in output and "ZeroDivisionError" in output


def test_a_crashed_worker_does_not_affect_the_next_exercise(graded):
    """When an exercise's check kills the worker with os._exit(3), is that an error naming exit code 3, and does the next exercise start clean?"""
    status, _, output = by_name(graded)["crash returns 'ok'"]
    assert status == ERROR and "exit code 3" in output
    assert by_name(graded)["double(2) is 4"][0] == PASSED


def test_a_check_that_times_out_costs_only_its_own_time(graded):
    """Is a check whose call never returns stopped at its own limit (0.5 s), not the week's (3 s)?"""
    spin = next(r for r in graded.results if r.name == "spin returns")
    assert spin.status == TIMEOUT and spin.seconds < 2.5


def test_check_mode_runs_public_checks_only(week, tmp_path):
    """Does mode="check" (what students run) leave out the hidden checks and the reference solution?"""
    folder = write(tmp_path / WEEK, {"mod.py": STUDENT_MOD.replace("os._exit(3)", "return 'ok'"), "other.py": STUDENT_OTHER})
    report = grade(week, folder, mode="check")
    assert report.mode == "check"
    assert {r.visibility for r in report.results} == {"public"}
    assert "double matches the reference solution on 7" not in by_name(report)
    assert len(report.results) == 7
    assert by_name(report)["crash returns 'ok'"][:2] == (PASSED, 1.0)


def test_the_blank_template_scores_zero_as_not_implemented(week):
    """Does the unmodified template get "not implemented" on every check and no points?"""
    report = grade(week, week.template_dir)
    assert {r.status for r in report.results} == {NOT_IMPLEMENTED}
    assert report.score == 0.0 and len(report.results) == 8
    assert "week1.double still raises NotImplementedError" in by_name(report)["double(2) is 4"][2]


def test_the_reference_solution_passes_every_sound_check(week):
    """Does the reference solution pass every check but the one whose bug is deliberate?"""
    report = grade(week, week.solution_dir)
    failing = {r.name for r in report.results if r.status != PASSED}
    assert failing == {"a bug in a check is the grader's, not the student's"}
    assert report.score == report.max_score - 1


def test_a_missing_module_is_an_error_saying_missing_for_each_of_its_checks(week, tmp_path):
    """When mod.py is not in the submission, does every check of its exercises say so, while other.py is still graded?"""
    folder = write(tmp_path / WEEK, {"other.py": STUDENT_OTHER})
    report = grade(week, folder)
    for r in report.results:
        if r.id == "week1.triple":
            assert r.status == PASSED
        else:
            assert r.status == ERROR and r.score == 0
            assert "mod.py is missing from the submission" in r.output
    assert report.notes == ["mod.py is missing from the submission"]


def test_a_syntax_error_is_an_error_naming_the_line(week, tmp_path):
    """Does a module that does not parse give an error naming SyntaxError and its line, and no grader paths?"""
    broken = "def double(x):\n    return 2 * x\n\ndef crash(:\n    pass\n"
    folder = write(tmp_path / WEEK, {"mod.py": broken, "other.py": STUDENT_OTHER})
    report = grade(week, folder)
    for r in report.results:
        if r.id == "week1.triple":
            assert r.status == PASSED
            continue
        assert r.status == ERROR
        assert "mod.py could not be imported" in r.output and "SyntaxError" in r.output
        assert "line 4" in r.output and "def crash(:" in r.output
        assert "dlgrade-" not in r.output and "child.py" not in r.output


def test_an_import_that_never_ends_times_out_quickly_and_spares_other_modules(week, tmp_path):
    """Does a module-level infinite loop give a timeout for each of that module's checks, within about one import limit, with other modules unaffected?"""
    folder = write(tmp_path / WEEK, {"mod.py": "while True:\n    pass\n", "other.py": STUDENT_OTHER})
    t0 = time.monotonic()
    report = grade(week, folder)
    assert time.monotonic() - t0 < 6  # one 1 s import limit, not one per exercise or per check
    for r in report.results:
        if r.id == "week1.triple":
            assert r.status == PASSED
        else:
            assert r.status == TIMEOUT and r.score == 0
            assert "importing mod.py did not finish within 1 s" in r.output


# What a student who remembers every input might hand in: double refuses to answer once it has seen
# the hidden check's input (7), and says which inputs it saw, in a message students see at once.
REMEMBERING_MOD = '''
SEEN = []


def crash():
    return "ok"


def double(x):
    if 7 in SEEN:
        raise RuntimeError(f"inputs seen before: {SEEN}")
    SEEN.append(x)
    return 2 * x


def spin():
    return None
'''


def test_public_checks_run_before_hidden_ones_whatever_the_declaration_order(week, tmp_path, monkeypatch):
    """Within an exercise, do the public checks run (and are they reported) before the hidden ones even when
    the hidden ones come first in the list of checks, so that no public message can show a hidden input?"""
    import grader.engine as engine

    real = engine.load_checks
    monkeypatch.setattr(engine, "load_checks", lambda folder, include_hidden: list(reversed(real(folder, include_hidden))))
    folder = write(tmp_path / WEEK, {"mod.py": REMEMBERING_MOD, "other.py": STUDENT_OTHER})
    report = grade(week, folder)
    double = [r for r in report.results if r.id == "week1.double"]
    assert [r.visibility for r in double] == ["public"] * 4 + ["hidden"]
    assert not any("inputs seen before" in r.output for r in double if r.visibility == "public"), \
        [r.output for r in double]
    assert by_name(report)["double(2) is 4"][:2] == (PASSED, 2.0)


def test_the_isolation_warning_is_for_the_instructor_only(week, tmp_path):
    """Graded without bubblewrap, is the warning that student code could read everything an instructor note,
    shown on the terminal but not in results.json or the student's feedback?"""
    from grader.report import to_gradescope, to_markdown
    from grader.sandbox import Limits

    folder = write(tmp_path / WEEK, {"mod.py": SOLUTION_MOD, "other.py": STUDENT_OTHER})
    report = grade_submission(week, folder, device="cpu", limits=Limits.from_rubric(week.rubric, isolation="rlimits"))
    assert any("could read every file" in n for n in report.instructor_notes)
    assert not any("could read" in n for n in report.notes)
    assert "could read" not in json.dumps(to_gradescope(report)) and "could read" not in to_markdown(report)


def test_numpy_only_and_other_modules_run_in_their_own_sandboxes_started_only_when_needed(week, tmp_path,
                                                                                         monkeypatch):
    """With `any_library = ["other"]`, do mod.py's exercises run in a NumPy-only sandbox and other.py's
    in one of its own, each started only when an exercise to grade needs it (one for a week of
    NumPy-only modules), and may other.py use a library that mod.py may not?"""
    from grader import engine

    started = []

    class Recording(engine.Sandbox):
        def start(self, wait=True):
            started.append(self.numpy_only)
            super().start(wait)

    monkeypatch.setattr(engine, "Sandbox", Recording)
    folder = write(tmp_path / WEEK, {"mod.py": SOLUTION_MOD, "other.py": "import scipy.linalg\n" + STUDENT_OTHER})
    free = Week(root=week.root, name=week.name, rubric={**week.rubric, "week": {**week.rubric["week"],
                                                                               "any_library": ["other"]}})
    assert free.numpy_only == {"mod"} and week.numpy_only == {"mod", "other"}
    grade_submission(free, folder, device="cpu", only={"week1.double"})
    assert started == [True]
    started.clear()
    report = grade_submission(free, folder, device="cpu")
    assert started == [True, False]
    assert {r.id for r in report.results if r.status != PASSED} == {"week1.double"}  # the check with a bug
    started.clear()
    report = grade_submission(week, folder, device="cpu")
    assert started == [True]
    triple = next(r for r in report.results if r.id == "week1.triple")
    assert triple.status == ERROR and triple.output.startswith(
        "other.py may use NumPy and the Python standard library only; it imported scipy when it was loaded")


def test_any_library_must_name_modules_of_the_week(week):
    """Is a misspelt module in `any_library`, or a string instead of a list, a course error?"""
    from grader.course import CourseError

    for bad in (["modd"], "other"):
        broken = Week(root=week.root, name=week.name, rubric={**week.rubric, "week": {**week.rubric["week"],
                                                                                     "any_library": bad}})
        with pytest.raises(CourseError, match="any_library"):
            broken.numpy_only
