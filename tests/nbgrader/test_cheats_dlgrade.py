"""`dlgrade nbgrader autograde` on the cheat notebooks: it never runs a notebook, so no
cheat gets a point, the gradebook stays intact, and the notebooks whose saved outputs
claim points are flagged. (What nbgrader's own autograde gives the same cheats is
recorded in test_nbgrader_own_autograde.py, a slow test.)"""

import csv
import sqlite3

import pytest

pytest.importorskip("nbgrader")

import nbformat  # noqa: E402

from nbgrader_helpers import (CHEATS, ROOT, WEEK, cheat_meta, cheat_notebook, dlgrade, nbgrader,  # noqa: E402
                              place_submission, scores)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course with one collected submission per cheat (released notebook + cheat cell, untouched stubs)."""
    base = tmp_path_factory.mktemp("dlgrade-cheats")
    course = base / "course"
    assert dlgrade("--course", str(ROOT), "nbgrader", "init", str(course), "--weeks", "week1") == 0
    nbgrader("generate_assignment", WEEK, cwd=course, home=base / "home")
    release = course / "release" / WEEK
    released = nbformat.read(release / f"{WEEK}.ipynb", as_version=4)
    for cheat in CHEATS:
        place_submission(course, cheat.stem, cheat_notebook(released, cheat, saved_outputs=True), release,
                         "2025-01-01 00:00:00.000000 UTC")
    before = {cheat.stem: (course / "submitted" / cheat.stem / WEEK / f"{WEEK}.ipynb").read_bytes() for cheat in CHEATS}
    assert dlgrade("--course", str(ROOT), "nbgrader", "autograde", "week1", "--nbgrader-course", str(course)) == 0
    return course, before


def test_no_cheat_scores(course):
    """Does every cheat notebook get 0 points, as its untouched stubs deserve?"""
    assert scores(course[0]) == {c.stem: 0 for c in CHEATS}


def test_gradebook_and_submissions_intact(course):
    """Is gradebook.db sound, with no manual score written, and is every submitted notebook left as it was?"""
    root, before = course
    con = sqlite3.connect(root / "gradebook.db")
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert con.execute("SELECT count(*) FROM grade WHERE manual_score IS NOT NULL").fetchone() == (0,)
    assert sorted(r[0] for r in con.execute("SELECT id FROM student")) == sorted(c.stem for c in CHEATS)
    for stem, data in before.items():
        assert (root / "submitted" / stem / WEEK / f"{WEEK}.ipynb").read_bytes() == data


def test_flags_name_the_notebooks_that_claim_points(course):
    """Are exactly the submissions whose saved autograder outputs claim points flagged, each of their cells named?"""
    root, _ = course
    with open(root / "dlgrade_flags.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    claiming = {c.stem for c in CHEATS if cheat_meta(c)["CLAIMS_POINTS"] is not False}
    assert {r["student"] for r in rows} == claiming
    for stem in claiming:
        assert len([r for r in rows if r["student"] == stem]) == 18
    assert all(float(r["judge"]) == 0 and float(r["notebook_reported"]) > 0 for r in rows)


def test_feedback_notebook_shows_the_judge_not_the_cheat(course):
    """Does each autograded notebook hold the released autograder cells with the judge's 0 points, and no cheat output?"""
    root, _ = course
    for cheat in CHEATS:
        nb = nbformat.read(root / "autograded" / cheat.stem / WEEK / f"{WEEK}.ipynb", as_version=4)
        graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
        assert len(graded) == 18
        for c in graded:
            assert "hidden=True" not in c.source and c.source.startswith("# Autograder for week1.")
            assert c.outputs[-1]["data"]["text/plain"] == "0"
        assert all(not c.get("outputs") for c in nb.cells if c not in graded)
