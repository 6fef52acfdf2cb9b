"""A class graded with `dlgrade grade-all` in which students point symbolic links at work that
is not theirs: the reference solutions, another student's folder, a zip kept elsewhere. Only
the last path component used to be checked, so a linked week folder scored 63/63.

Each attack must grade nothing behind the link (zero where it would have stolen marks), with a
message in that student's own results saying why, a flag naming the link's target for the
instructor, and the honest student graded exactly as alone. The links only read, so this runs
under bubblewrap where it can and with --isolation rlimits (asked for) elsewhere.
The same attacks through nbgrader's exchange are in tests/nbgrader/test_exchange_hostile.py."""

import json
import shutil
import zipfile

import test_week1_hostile as hostile
from grader.cli import main
from grader.engine import grade_submission
from grader.sandbox import Limits

WEEK = hostile.WEEK
REF = WEEK.solution_dir
ISOLATION = "bubblewrap" if hostile.BWRAP else "rlimits"


def regression_points(report) -> float:
    return sum(e.max_score for e in report.exercises() if WEEK.exercise_modules.get(e.id) == "regression")


def test_links_to_others_work_grade_nothing_and_are_flagged(tmp_path):
    """Linked week folder (to solutions/), linked student folder (to another student's), linked
    module file and linked zip: is each graded zero with a message saying a link was refused,
    flagged for the instructor with its target, while the honest student gets what she gets alone?"""
    subs, out = tmp_path / "subs", tmp_path / "results"
    alice = subs / "alice" / WEEK.name  # honest: only regression.py done (the reference's)
    alice.mkdir(parents=True)
    shutil.copy(REF / "regression.py", alice)
    (subs / "mallory").mkdir()
    (subs / "mallory" / WEEK.name).symlink_to(REF)  # the attack of the issue: 63/63 before
    (subs / "trudy").symlink_to(subs / "alice")  # a whole entry that is someone else's
    (subs / "peggy").mkdir()
    (subs / "peggy" / "regression.py").symlink_to(alice / "regression.py")
    stolen = tmp_path / "elsewhere" / "stolen.zip"
    stolen.parent.mkdir()
    with zipfile.ZipFile(stolen, "w") as zf:
        for module in WEEK.modules:
            zf.write(REF / f"{module}.py", f"{module}.py")
    (subs / "zed.zip").symlink_to(stolen)

    alone = grade_submission(WEEK, alice, device="cpu", limits=Limits.from_rubric(WEEK.rubric, isolation=ISOLATION))
    assert alone.score == regression_points(alone) > 0
    assert main(["grade-all", "week1", str(subs), "--out", str(out), "--jobs", "2", "--device", "cpu",
                 "--isolation", ISOLATION]) == 0

    results = {s: json.loads((out / s / "results.json").read_text())
               for s in ("alice", "mallory", "trudy", "peggy", "zed")}
    assert results["alice"]["score"] == alone.score
    assert [t["score"] for t in results["alice"]["tests"]] == [r.score for r in alone.results]
    for student in ("mallory", "trudy", "peggy", "zed"):
        assert results[student]["score"] == 0, student
        assert "symbolic link" in results[student]["output"], student
        assert str(REF) not in json.dumps(results[student]), student  # the student is not told the target
    summary = json.loads((out / "summary.json").read_text())
    flagged = {f["student"]: " ".join(f["flags"]) for f in summary["flagged"]}
    assert sorted(flagged) == ["mallory", "peggy", "trudy", "zed"]
    assert f"mallory/{WEEK.name} is a symbolic link to {REF}" in flagged["mallory"]
    assert f"trudy is a symbolic link to {subs / 'alice'}" in flagged["trudy"]
    assert f"regression.py is a symbolic link to {alice / 'regression.py'}" in flagged["peggy"]
    assert f"zed.zip is a symbolic link to {stolen}" in flagged["zed"]
    assert "## Flagged" in (out / "summary.md").read_text()
    assert not any("FLAGGED" in (out / s / "feedback.md").read_text() for s in flagged)
