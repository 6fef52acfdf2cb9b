"""Tests for what the engine makes of a check's outcome (grader/engine.py, registry.py,
scoring.py): a known mistake travels as a field, partial credit that is not a number
scores nothing, only student code is charged against the exercise's time budget, and a
check file may import any sibling check file."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import pytest
from conftest import own_week_modules

from grader.course import Week
from grader.engine import grade_submission
from grader.registry import load_checks
from grader.scoring import ERROR, FAILED, PASSED, TIMEOUT

WEEK = "week1_linear_models"

RUBRIC = """
[week]
title = "A fake week for testing how outcomes are judged"
modules = ["mod"]

[limits]
call_seconds = 20
exercise_seconds = 5
import_seconds = 10
"""

# public_a imports a helper from public_b, which sorts after it.
PUBLIC_A = '''
import math
import time

from grader.registry import CheckFailed, Partial, check

from .public_b import expected_double


@check("week1.double", points=2)
def names_a_known_mistake(sub, ref):
    """Check that double(3) is 6, naming the known mistake."""
    got = sub.mod.double(3)
    if got != expected_double(3):
        raise CheckFailed(f"double(3): got {got}, expected 6", mistake="adding instead of multiplying")


@check("week1.double", points=1)
def only_reads_like_a_diagnosis(sub, ref):
    """Check that a message is only a message."""
    sub.mod.double(1)
    raise CheckFailed("got 2. This is exactly what a lucky guess gives.")


@check("week1.double", points=1)
def partial_credit_is_nan(sub, ref):
    """Check that partial credit that is not a number scores nothing."""
    sub.mod.double(1)
    return Partial(math.nan, "half")


@check("week1.slow_oracle", points=1)
def grader_takes_longer_than_the_budget(sub, ref):
    """Check that the grader's own time is not the student's."""
    sub.mod.double(1)
    time.sleep(6.0)  # the grader's own work (an oracle), longer than the 5 s budget
    if sub.mod.double(2) != 4:
        raise CheckFailed("double(2) should be 4")


@check("week1.slow_student", points=1)
def student_uses_up_the_budget(sub, ref):
    """Check that student time adds up against the budget."""
    for _ in range(3):
        sub.mod.nap(2.0)  # 6 s of student time against a 5 s budget
'''

PUBLIC_B = '''
from grader.registry import CheckFailed, check


def expected_double(x):
    return 2 * x


@check("week1.double", points=1)
def doubles_four(sub, ref):
    """Check that double(4) is 8."""
    if sub.mod.double(4) != expected_double(4):
        raise CheckFailed("double(4) should be 8")
'''

MOD = '''
import time


def double(x):
    return x + 2 if x == 3 else 2 * x


def nap(seconds):
    time.sleep(seconds)
'''


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text))
    return folder


@pytest.fixture(scope="module", autouse=True)
def own_modules():
    """The fake week has the real week 1's name: keep its modules apart from the real ones."""
    with own_week_modules(WEEK):
        yield


@pytest.fixture(scope="module")
def week(tmp_path_factory) -> Week:
    root = tmp_path_factory.mktemp("course")
    write(root / "assignments" / WEEK, {"rubric.toml": RUBRIC, "public_a.py": PUBLIC_A, "public_b.py": PUBLIC_B})
    write(root / "student_template" / WEEK, {"mod.py": "def double(x):\n    raise NotImplementedError('week1.double')\n"})
    write(root / "solutions" / WEEK, {"mod.py": MOD})
    return Week.load("week1", root=root)


@pytest.fixture(scope="module")
def report(week, tmp_path_factory):
    folder = write(tmp_path_factory.mktemp("alice") / WEEK, {"mod.py": MOD})
    return grade_submission(week, folder, device="cpu")


def results(report):
    return {r.name: r for r in report.results}


def test_a_check_file_may_import_a_sibling_that_sorts_after_it(week):
    """Does public_a importing public_b load each check once, in its own file's place?"""
    checks = load_checks(week.assignment_dir, include_hidden=True)
    names = [c.fn.__name__ for c in checks]
    assert names.count("doubles_four") == 1
    assert names.index("doubles_four") == len(names) - 1  # public_b's checks come after public_a's
    # loading again after a change starts from scratch
    again = load_checks(week.assignment_dir, include_hidden=True)
    assert [c.fn.__name__ for c in again] == names


def test_a_known_mistake_is_a_field_rendered_into_the_feedback(report):
    """Does a failure's mistake reach the result as a field, and the feedback as one sentence?"""
    r = results(report)["double(3) is 6, naming the known mistake"]
    assert r.status == FAILED and r.mistake == "adding instead of multiplying"
    assert r.output == "double(3): got 5, expected 6. This is exactly what adding instead of multiplying gives."


def test_a_message_that_reads_like_a_diagnosis_names_no_mistake(report):
    """Is a message that merely contains the diagnosis sentence left without a mistake?"""
    r = results(report)["a message is only a message"]
    assert r.status == FAILED and r.mistake == ""


def test_partial_credit_that_is_not_a_number_scores_nothing(report):
    """Does Partial(NaN) give an internal grader error worth 0, with a finite total?"""
    r = results(report)["partial credit that is not a number scores nothing"]
    assert r.status == ERROR and r.score == 0 and "not a number" in r.output
    assert math.isfinite(report.score)


def test_the_graders_own_time_is_not_charged_to_the_student(report):
    """Does a check whose oracle takes longer than the exercise budget still pass?"""
    r = results(report)["the grader's own time is not the student's"]
    assert (r.status, r.output) == (PASSED, "")


def test_student_time_adds_up_against_the_budget(report):
    """Do three 2 s calls of student code use up a 5 s exercise budget?"""
    r = results(report)["student time adds up against the budget"]
    assert r.status == TIMEOUT and "of the exercise's 5 s time budget" in r.output
