"""Attacks through nbgrader's exchange, collected by the real `nbgrader collect` and graded by
`dlgrade nbgrader autograde` with the real judge.

The inbound folder is writable by every student, and collect copies what it finds there with
the instructor's rights, following symbolic links, under the student id the folder's name
claims. So a student can make inbound/<self>+week1+... of links to the course's solutions
(collect copies the reference into submitted/), and put a submission under another student's
id. Each must end at its honest score with the instructor told: modules that were links score
zero with a message, links and copies of the reference and submissions owned by another user
are flagged; an unparsable timestamp.txt costs only its student; everyone else is recorded as
if alone. Runs under bubblewrap where it can, else with isolation="rlimits" asked for (nothing
here writes outside its sandbox)."""

import csv
import os
import pwd
import shutil

import pytest

pytest.importorskip("nbgrader")

from nbgrader.api import Gradebook  # noqa: E402

from grader import isolation  # noqa: E402
from grader import nbgrader_bridge as bridge  # noqa: E402
from grader.course import Week  # noqa: E402

from nbgrader_helpers import ROOT, WEEK, nbgrader  # noqa: E402

WEEK1 = Week.load("week1", ROOT)
REF, BLANK = WEEK1.solution_dir, WEEK1.template_dir
OWN = ROOT / "examples" / WEEK / "alternative_correct"  # correct, and not a copy of the reference
STAMP = "2025-03-01 12:00:00.000000 UTC"


def other_user() -> str:
    """A user of this machine other than the one running the tests (the victim's id)."""
    name = next((u.pw_name for u in sorted(pwd.getpwall(), key=lambda u: u.pw_uid)
                 if u.pw_uid != os.geteuid() and u.pw_name.isalnum()), None)
    if name is None:
        pytest.skip("this machine has no other user to name as a student")
    return name


def inbound_submission(inbound, student: str, files: dict, stamp: str = STAMP, timestamp_txt: str | None = None):
    """inbound/<student>+<week>+<stamp>+<random>/, as `nbgrader submit` lays it out; `files`
    maps a name to a source file (copied) or ("link", target)."""
    dest = inbound / f"{student}+{WEEK}+{stamp}+{abs(hash(student)) % 10**8:08d}"
    dest.mkdir()
    for name, src in files.items():
        if isinstance(src, tuple):
            (dest / name).symlink_to(src[1])
        else:
            shutil.copy(src, dest / name)
    (dest / "timestamp.txt").write_text(timestamp_txt if timestamp_txt is not None else stamp)


def test_attacks_through_the_exchange_end_at_their_honest_scores(tmp_path):
    course, admin = tmp_path / "course", tmp_path / "instructor-home"
    bridge.init_course(course, ["week1"], root=ROOT, course_id="idl101")
    inbound = tmp_path / "exchange" / "idl101" / "inbound"
    inbound.mkdir(parents=True)
    victim = other_user()
    modules = [f"{m}.py" for m in WEEK1.modules]
    # alice: honest, regression.py done (her own way), the rest the stubs
    inbound_submission(inbound, "alice", {**{m: BLANK / m for m in modules}, "regression.py": OWN / "regression.py"})
    # carol: honest stubs, timestamp.txt mangled (sorted before the others: must not stop them)
    inbound_submission(inbound, "carol", {m: BLANK / m for m in modules}, timestamp_txt="yesterday-ish")
    # mallory: every module a link to the course's solutions, which collect copies with our rights
    inbound_submission(inbound, "mallory", {m: ("link", REF / m) for m in modules})
    # the victim's id, under which someone else (the test's user) puts the stubs
    inbound_submission(inbound, victim, {m: BLANK / m for m in modules})

    nbgrader("collect", WEEK, cwd=course, home=admin)
    assert (course / "submitted" / "mallory" / WEEK / "optimizers.py").read_bytes() == (
        REF / "optimizers.py").read_bytes()

    mode = "bubblewrap" if isolation.probe()[0] else "rlimits"
    run = bridge.autograde(WEEK1, course, device="cpu", isolation=mode)
    graded = {g.student: g for g in run.graded}
    assert sorted(graded) == sorted(["alice", "carol", "mallory", victim])

    alice = graded["alice"]
    regression = sum(e.max_score for e in alice.report.exercises() if WEEK1.exercise_modules[e.id] == "regression")
    assert alice.score == alice.report.score == regression > 0 and alice.provenance == []
    assert graded["carol"].score == 0 and any("timestamp.txt could not be read" in n for n in graded["carol"].notes)

    mallory = graded["mallory"]  # honest score: nothing of her own, 0 (was 63)
    assert mallory.score == 0
    assert all("was a symbolic link in your submission" in r.output for r in mallory.report.results)
    assert any("identical to the reference" in f for f in mallory.provenance)
    assert any("holds symbolic links" in f and str(REF) in f for f in mallory.provenance)

    me = pwd.getpwuid(os.geteuid()).pw_name
    assert graded[victim].score == 0  # what the planted files earn; the instructor is told whose they are
    assert any(f"owned by {me}" in f and f"not by {victim}" in f for f in graded[victim].provenance)

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {s: gb.find_submission(WEEK, s).score for s in graded}
        assert scores == {s: g.score for s, g in graded.items()}
        assert gb.find_submission(WEEK, "carol").timestamp is None
        assert gb.find_submission(WEEK, "alice").timestamp.year == 2025
        assert gb.find_submission_notebook(WEEK, WEEK, "mallory").flagged
        assert not gb.find_submission_notebook(WEEK, WEEK, "alice").flagged
    with open(course / bridge.FLAGS_FILE, newline="") as f:
        assert {r["student"] for r in csv.DictReader(f)} == {"mallory", victim}
