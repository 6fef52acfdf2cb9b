"""A class graded with `dlgrade grade-all` in which some students attack the others:
one plants fake results.json files everywhere and prints a fake results JSON, one
deletes the other submissions it can find, one floods its output with fake grader
lines, one leaves processes behind in sessions of their own. The honest students must get exactly the results they get when graded alone,
and neither their submission folders nor their result files may change.

The attacks destroy files when they can, so this module runs only under bubblewrap
(forced with --isolation bubblewrap); see test_week1_hostile for the attacks."""

import json
import os
import shutil
import time

import pytest

import test_week1_hostile as hostile
from grader.cli import apply_known_bad, known_bad_meta, main
from grader.engine import grade_submission
from grader.report import to_gradescope, validate_gradescope
from grader.sandbox import Limits

from conftest import ROOT

pytestmark = pytest.mark.skipif(not hostile.BWRAP, reason=f"the attacks here destroy files; {hostile.NO_BWRAP}")

WEEK = hostile.WEEK
ATTACKS = ROOT / "tests" / "hostile" / WEEK.name
KNOWN_BAD = ROOT / "examples" / WEEK.name / "known_bad"
HONEST = {"alice": None, "bob": KNOWN_BAD / "adam_without_bias_correction.py",
          "carol": KNOWN_BAD / "softmax_over_columns.py"}
ATTACKERS = {"mallory": ATTACKS / "rmsprop_fakes_results_and_writes_them_everywhere.py",
             "trudy": ATTACKS / "minibatches_deletes_other_submissions.py",
             "eve": ATTACKS / "softmax_floods_stdout.py",
             "oscar": ATTACKS / "adagrad_leaves_background_processes.py"}
LIMITS = Limits.from_rubric(WEEK.rubric, isolation="bubblewrap")  # what grade-all's judges use by default


def expected_score(patch, full_report) -> float:
    """The week's score a hostile patch earns: full marks less what its exercises lose."""
    meta = known_bad_meta(patch)
    if meta["EXERCISE_SCORE"] is None:
        return full_report.max_score
    lost = sum(e.max_score for e in full_report.exercises() if e.id in meta["EXERCISE"].split())
    return full_report.max_score - lost + meta["EXERCISE_SCORE"]


def orphaned_sandbox_processes(before: dict, wait: float = 3.0) -> list[str]:
    """Sandbox processes that were not there `before` and whose grader (the pid their
    sandbox id begins with: a judge process of grade-all) has exited. Other tests' live
    sandboxes are left alone; the orphans are killed."""
    deadline = time.monotonic() + wait
    while True:
        left = {}
        for (pid, started), sid in hostile.sandbox_processes().items():
            owner = sid.split("-", 1)[0]
            if (pid, started) not in before and owner.isdigit() and not os.path.exists(f"/proc/{owner}"):
                left[(pid, started)] = sid
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    described = [f"pid {pid}: {hostile._cmdline(pid)}" for pid, _ in left]
    for pid, started in left:
        try:
            if hostile._start_time(pid) == started:
                os.kill(pid, 9)
        except (OSError, IndexError):
            pass
    return described


def comparable(results: dict) -> dict:
    """A results.json without what differs between two runs of the same grading."""
    out = {k: v for k, v in results.items() if k != "execution_time"}
    out["tests"] = [{k: v for k, v in t.items() if k != "execution_time"} for t in results["tests"]]
    return out


def test_attackers_in_a_class_leave_the_honest_students_alone(tmp_path):
    """Do honest students graded beside attackers (grade-all, two judges) get exactly their
    results when graded alone, with their folders and result files untouched?"""
    subs, out = tmp_path / "submissions", tmp_path / "results"
    for student, patch in HONEST.items():
        if patch is None:
            shutil.copytree(WEEK.solution_dir, subs / student, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            apply_known_bad(WEEK, patch, subs / student)
        (subs / student / hostile.VICTIM).write_text("a test's folder: hostile test patches may try to destroy it\n")
        (out / student).mkdir(parents=True)
        (out / student / hostile.VICTIM).write_text("a test's folder: hostile test patches may try to destroy it\n")
    for student, patch in ATTACKERS.items():
        apply_known_bad(WEEK, patch, subs / student)
    alone = {s: grade_submission(WEEK, subs / s, device="cpu", limits=LIMITS) for s in HONEST}
    assert alone["alice"].score == alone["alice"].max_score == 63

    files_before = hostile.snapshot(subs, WEEK.solution_dir, WEEK.assignment_dir)
    spots_before = hostile.host_spots()
    processes_before = hostile.sandbox_processes()
    try:
        rc = main(["grade-all", "week1", str(subs), "--out", str(out), "--jobs", "2", "--device", "cpu",
                   "--isolation", "bubblewrap"])
    finally:
        orphans = orphaned_sandbox_processes(processes_before)
    assert rc == 0
    assert orphans == [], f"processes outlived grading: {orphans}"

    results = {s: json.loads((out / s / "results.json").read_text()) for s in [*HONEST, *ATTACKERS]}
    for student, data in results.items():
        assert validate_gradescope(data) == [], student
        text = json.dumps(data)
        assert hostile.ESCAPE not in text and "Internal grader error" not in text, (student, text[:3000])
        assert len(text) < 200_000
    for student in HONEST:  # exactly what they get alone
        assert comparable(results[student]) == comparable(to_gradescope(alone[student])), student
        assert sorted(p.name for p in (out / student).iterdir()) == sorted(
            ["feedback.md", "grading.json", "report.json", "results.json", hostile.VICTIM]), student
    for student, patch in ATTACKERS.items():  # the attackers earn what their honest behaviour earns
        assert results[student]["score"] == pytest.approx(expected_score(patch, alone["alice"])), student

    assert hostile.diff(files_before, hostile.snapshot(subs, WEEK.solution_dir, WEEK.assignment_dir)) == []
    assert hostile.diff(spots_before, hostile.host_spots()) == []
