"""The whole nbgrader workflow with real nbgrader commands and a local exchange:
init, generate, release, two students fetch and submit, collect, `dlgrade nbgrader
autograde`, feedback, export."""

import csv
import re

import pytest

pytest.importorskip("nbgrader")

from nbgrader_helpers import ROOT, WEEK, dlgrade, fetch_and_submit, nbgrader  # noqa: E402


@pytest.fixture(scope="module")
def workflow(tmp_path_factory):
    """A course taken through every step up to generate_feedback and export; returns its folders."""
    base = tmp_path_factory.mktemp("nbgrader-workflow")
    course, admin = base / "course", base / "instructor-home"
    assert dlgrade("--course", str(ROOT), "nbgrader", "init", str(course), "--weeks", "week1",
                   "--course-id", "idl101") == 0
    nbgrader("generate_assignment", WEEK, cwd=course, home=admin)
    nbgrader("release_assignment", WEEK, cwd=course, home=admin)
    fetch_and_submit(course, base, WEEK)
    nbgrader("collect", WEEK, cwd=course, home=admin)
    assert dlgrade("--course", str(ROOT), "nbgrader", "autograde", "week1", "--nbgrader-course", str(course)) == 0
    nbgrader("generate_feedback", WEEK, cwd=course, home=admin)
    nbgrader("release_feedback", WEEK, cwd=course, home=admin)
    nbgrader("fetch_feedback", WEEK, "--student", "bob", cwd=base / "bob", home=base / "bob")
    nbgrader("export", cwd=course, home=admin)
    return course


def test_gradebook_holds_the_judges_scores(workflow):
    """Does the gradebook give full marks to the reference and zero to the untouched release, per grade cell?"""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{workflow / 'gradebook.db'}") as gb:
        alice = gb.find_submission(WEEK, "alice")
        bob = gb.find_submission(WEEK, "bob")
        assert alice.max_score == 63 and alice.score == 63
        assert bob.score == 0
        grades = gb.find_submission_notebook(WEEK, WEEK, "alice").grades
        assert len(grades) == 18 and all(g.auto_score == g.max_score and not g.needs_manual_grade for g in grades)
        assert alice.timestamp is not None  # from the exchange's timestamp.txt


def test_feedback_names_failing_exercises_without_hidden_tests(workflow):
    """Does bob's feedback HTML name the failing exercises with the judge's messages, and hide the hidden tests?"""
    html = (workflow / "feedback" / "bob" / WEEK / f"{WEEK}.html").read_text()
    assert "week1.adam: 0 / 4 points" in html
    assert "still raises NotImplementedError" in html
    assert "BEGIN HIDDEN TESTS" not in html
    assert not re.search(r"grade_exercise\(\s*(&quot;|&#34;|\")week1\.\w+(&quot;|&#34;|\"),\s*hidden", html)
    assert "hidden=True" not in html
    alice = (workflow / "feedback" / "alice" / WEEK / f"{WEEK}.html").read_text()
    assert "week1.adam: 4 / 4 points" in alice and "hidden=True" not in alice


def test_student_fetches_the_feedback(workflow):
    """Does `nbgrader release_feedback` / `fetch_feedback` bring bob his feedback page?"""
    pages = list((workflow.parent / "bob" / WEEK / "feedback").rglob(f"{WEEK}.html"))
    assert len(pages) == 1 and "week1.adam: 0 / 4 points" in pages[0].read_text()


def test_export_writes_the_scores(workflow):
    """Does `nbgrader export` write grades.csv with 63/63 for alice and 0/63 for bob?"""
    with open(workflow / "grades.csv", newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    assert float(rows["alice"]["score"]) == 63 and float(rows["alice"]["max_score"]) == 63
    assert float(rows["bob"]["score"]) == 0


def test_autograded_folder_holds_the_submitted_modules(workflow):
    """Are the submitted module files (not the stubs of source/) next to the autograded notebook?"""
    folder = workflow / "autograded" / "alice" / WEEK
    assert (folder / "optimizers.py").read_text() == (ROOT / "solutions" / WEEK / "optimizers.py").read_text()
    assert (folder / "timestamp.txt").is_file()
    with open(workflow / "dlgrade_flags.csv", newline="") as f:
        flags = list(csv.DictReader(f))
    assert [r for r in flags if r["exercise"]] == []  # no notebook claims: neither student ran the notebook
    # alice handed in the reference itself: graded, and flagged for the instructor as a copy of it
    assert [(r["student"], "identical to the reference solution" in r["reason"]) for r in flags] == [("alice", True)]
