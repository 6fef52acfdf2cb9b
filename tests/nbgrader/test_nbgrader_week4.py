"""Week 4 through nbgrader (slow: the autograde trains week 4's networks): init, generate,
release, two students fetch and submit (the reference's modules, the untouched release),
collect, `dlgrade nbgrader autograde`, and the gradebook's scores per grade cell."""

import pytest

pytest.importorskip("nbgrader")

from nbgrader_helpers import ROOT, dlgrade, fetch_and_submit, nbgrader  # noqa: E402

WEEK = "week4_autoencoders"


@pytest.mark.slow
def test_week4_is_released_collected_and_autograded(tmp_path):
    """Does week 4's notebook release and autograde: the reference's modules 48/48 with every grade cell
    full, the untouched release 0?"""
    from nbgrader.api import Gradebook

    course, admin = tmp_path / "course", tmp_path / "instructor-home"
    assert dlgrade("--course", str(ROOT), "nbgrader", "init", str(course), "--weeks", "week4",
                   "--course-id", "idl101") == 0
    nbgrader("generate_assignment", WEEK, cwd=course, home=admin)
    nbgrader("release_assignment", WEEK, cwd=course, home=admin)
    released = (course / "release" / WEEK / f"{WEEK}.ipynb").read_text()
    assert "BEGIN HIDDEN TESTS" not in released and "### BEGIN SOLUTION" not in released
    fetch_and_submit(course, tmp_path, WEEK)
    nbgrader("collect", WEEK, cwd=course, home=admin)
    assert dlgrade("--course", str(ROOT), "nbgrader", "autograde", "week4", "--nbgrader-course", str(course)) == 0
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        alice, bob = gb.find_submission(WEEK, "alice"), gb.find_submission(WEEK, "bob")
        assert alice.max_score == 48 and alice.score == 48
        assert bob.score == 0
        grades = gb.find_submission_notebook(WEEK, WEEK, "alice").grades
        assert len(grades) == 8 and all(g.auto_score == g.max_score for g in grades)
