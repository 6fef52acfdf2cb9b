"""Weeks 4 to 6 through nbgrader (slow: the autograde trains their networks): init, generate,
release, two students fetch and submit (the reference's modules, the untouched release),
collect, `dlgrade nbgrader autograde`, and the gradebook's scores per grade cell."""

import pytest

pytest.importorskip("nbgrader")

from nbgrader_helpers import ROOT, dlgrade, fetch_and_submit, nbgrader  # noqa: E402

# week, its short id, its points and its exercises (one grade cell each)
WEEKS = [("week4_autoencoders", "week4", 48, 8), ("week5_rnn", "week5", 57, 10), ("week6_captioning", "week6", 28, 4)]


@pytest.mark.slow
@pytest.mark.parametrize("week,short,points,cells", WEEKS, ids=[w[1] for w in WEEKS])
def test_week_is_released_collected_and_autograded(week, short, points, cells, tmp_path):
    """Does the week's notebook release and autograde: the reference's modules full marks with every grade
    cell full, the untouched release 0?"""
    from nbgrader.api import Gradebook

    course, admin = tmp_path / "course", tmp_path / "instructor-home"
    assert dlgrade("--course", str(ROOT), "nbgrader", "init", str(course), "--weeks", short,
                   "--course-id", "idl101") == 0
    nbgrader("generate_assignment", week, cwd=course, home=admin)
    nbgrader("release_assignment", week, cwd=course, home=admin)
    released = (course / "release" / week / f"{week}.ipynb").read_text()
    assert "BEGIN HIDDEN TESTS" not in released and "### BEGIN SOLUTION" not in released
    fetch_and_submit(course, tmp_path, week)
    nbgrader("collect", week, cwd=course, home=admin)
    assert dlgrade("--course", str(ROOT), "nbgrader", "autograde", short, "--nbgrader-course", str(course)) == 0
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        alice, bob = gb.find_submission(week, "alice"), gb.find_submission(week, "bob")
        assert alice.max_score == points and alice.score == points
        assert bob.score == 0
        grades = gb.find_submission_notebook(week, week, "alice").grades
        assert len(grades) == cells and all(g.auto_score == g.max_score for g in grades)
