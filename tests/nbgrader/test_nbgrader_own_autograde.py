"""What nbgrader's own `nbgrader autograde` lets through, recorded per cheat, next to
`dlgrade nbgrader autograde` on the same submissions.

Each cheat notebook is run first as its student would run it (that is what gets
submitted, with its saved outputs), next to untouched stubs, so the honest score is 0.
"""

import os
import shutil
import sqlite3

import pytest

pytest.importorskip("nbgrader")

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbclient.exceptions import DeadKernelError  # noqa: E402

from grader.nbgrader_bridge import grade_cells, saved_claim  # noqa: E402
from nbgrader_helpers import (CHEATS, ROOT, WEEK, cheat_meta, cheat_notebook, dlgrade, nbgrader,  # noqa: E402
                              place_submission, scores)

pytestmark = pytest.mark.slow

# Score (out of 63) that nbgrader 0.9.6's own autograde gives each cheat, as measured; None where
# autograde failed for that submission (no autograded notebook, every grade left empty and marked
# "needs manual grade", which nbgrader counts as 0 until someone grades it by hand).
NBGRADER_GIVES = {
    "ast_transformer": 63,  # every autograder cell ran clean with no result: full marks
    "deleted_test_cells": 0,  # no grade cell ran: grades empty, "needs manual grade"
    "edited_test_cells": 0,  # OverwriteCells restores locked cells from the gradebook
    "gradebook_overwrite": 63,  # the cell's manual scores override the autograder's 0
    "input_transformer": 63,
    "lying_eq": 0,  # the module files it rewrites are judged out of process even there
    "monkeypatched_grader": None,  # 100 > the cell's points: nbgrader raises, the submission fails
    "monkeypatched_grader_full_points": 63,
    "os_exit": None,  # the kernel dies: the submission fails
}


def run_as_student(nb, folder):
    """Execute `nb` in `folder` as the student would before submitting; keep what ran."""
    client = NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(folder)}})
    try:
        # The kernel imports this checkout's grader, whichever (if any) the environment has installed.
        client.execute(env={**os.environ, "PYTHONPATH": str(ROOT)})
    except DeadKernelError:
        pass
    return nb


@pytest.fixture(scope="module")
def courses(tmp_path_factory):
    """Two identical courses holding one submission per cheat: one for nbgrader's autograde, one for dlgrade's."""
    base = tmp_path_factory.mktemp("cheats")
    course, admin = base / "nbgrader-course", base / "home"
    assert dlgrade("--course", str(ROOT), "nbgrader", "init", str(course), "--weeks", "week1") == 0
    nbgrader("generate_assignment", WEEK, cwd=course, home=admin)
    release = course / "release" / WEEK
    released = nbformat.read(release / f"{WEEK}.ipynb", as_version=4)
    for cheat in CHEATS:
        scratch = base / "students" / cheat.stem / WEEK
        shutil.copytree(release, scratch)
        nb = run_as_student(cheat_notebook(released, cheat), scratch)
        place_submission(course, cheat.stem, nb, release, "2025-01-01 00:00:00.000000 UTC")
    twin = base / "dlgrade-course"
    shutil.copytree(course, twin)
    nbgrader("autograde", WEEK, cwd=course, home=admin, check=False)
    assert dlgrade("--course", str(ROOT), "nbgrader", "autograde", "week1", "--nbgrader-course", str(twin)) == 0
    return course, twin


@pytest.mark.parametrize("cheat", CHEATS, ids=[c.stem for c in CHEATS])
def test_cheat_declares_what_the_students_run_saves(courses, cheat):
    """Does each cheat's CLAIMS_POINTS declaration (used by the fast tests) match what a real run saves?"""
    course, _ = courses
    nb = nbformat.read(course / "submitted" / cheat.stem / WEEK / f"{WEEK}.ipynb", as_version=4)
    claims = {g: saved_claim(c) for g, c in grade_cells(nb).items()}
    declared = cheat_meta(cheat)["CLAIMS_POINTS"]
    if declared is False:
        assert all(not v for v in claims.values()), claims
    else:
        points = {g: c.metadata.nbgrader.points for g, c in grade_cells(nb).items()}
        expected = points if declared is True else {g: declared for g in points}
        assert claims == expected


def test_nbgrader_own_autograde_scores(courses):
    """Which cheats does nbgrader's own autograde (executing the notebook) let through, and with what score?"""
    course, _ = courses
    got = scores(course)
    observed = {c.stem: got.get(c.stem) for c in CHEATS}
    # a submission whose autograde failed has a submission row with no grades filled: score 0 from nbgrader,
    # but no autograded notebook; record those as None.
    for c in CHEATS:
        if not (course / "autograded" / c.stem / WEEK / f"{WEEK}.ipynb").is_file():
            observed[c.stem] = None
    assert observed == NBGRADER_GIVES


def test_dlgrade_autograde_lets_nothing_through(courses):
    """Does dlgrade give 0 to every cheat, leave the gradebook intact, and flag the notebooks that claim points?"""
    _, twin = courses
    assert scores(twin) == {c.stem: 0 for c in CHEATS}
    con = sqlite3.connect(twin / "gradebook.db")
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert con.execute("SELECT count(*) FROM grade WHERE manual_score IS NOT NULL").fetchone() == (0,)
    flagged = {line.split(",")[1] for line in (twin / "dlgrade_flags.csv").read_text().splitlines()[1:]}
    assert flagged == {c.stem for c in CHEATS if cheat_meta(c)["CLAIMS_POINTS"] is not False}
