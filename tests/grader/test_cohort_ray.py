"""Grading a class on a Ray cluster (`dlgrade grade-all --executor ray`, grader.ray_executor): a
local cluster on this machine's CPUs, started by each run. The same results as the local judges,
byte for byte apart from timings; a worker that dies, a job that never answers and a driver that
is killed cost no result and write none twice."""

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("ray")

from grader import jobs  # noqa: E402
from grader.cli import apply_known_bad  # noqa: E402
from grader.course import Week  # noqa: E402

from conftest import CLASS_ISOLATION, ROOT, kill_after_results, results_snapshot, results_stamps  # noqa: E402

WEEK = Week.load("week1", ROOT)
REF, BLANK = WEEK.solution_dir, WEEK.template_dir
EXAMPLES = ROOT / "examples" / WEEK.name


def copy_modules(src: Path, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for module in WEEK.modules:
        shutil.copy(src / f"{module}.py", dest / f"{module}.py")
    return dest


def grade_all(subs: Path, out: Path, *args, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """`dlgrade grade-all week1` in a process of its own (a Ray driver)."""
    cmd = [sys.executable, "-m", "grader", "grade-all", "week1", str(subs), "--out", str(out), "--device", "cpu",
           *CLASS_ISOLATION, *map(str, args)]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


stamps = results_stamps


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    """Correct (the reference, the alternative, a zip), buggy, blank, broken and hostile submissions."""
    subs = tmp_path_factory.mktemp("class") / "subs"
    copy_modules(REF, subs / "ref")
    copy_modules(EXAMPLES / "alternative_correct", subs / "alternative")
    with zipfile.ZipFile(subs / "zipped.zip", "w") as zf:
        for module in WEEK.modules:
            zf.write(REF / f"{module}.py", f"{WEEK.name}/{module}.py")
    apply_known_bad(WEEK, EXAMPLES / "known_bad" / "adam_without_bias_correction.py", subs / "bad_adam")
    copy_modules(BLANK, subs / "blank")
    (subs / "corrupt.zip").write_bytes(b"not a zip")
    (subs / "linked").mkdir()
    (subs / "linked" / "regression.py").symlink_to(REF / "regression.py")
    apply_known_bad(WEEK, ROOT / "tests" / "hostile" / WEEK.name / "momentum_calls_os_exit.py", subs / "exits")
    apply_known_bad(WEEK, ROOT / "tests" / "hostile" / WEEK.name / "softmax_floods_stdout.py", subs / "floods")
    if not CLASS_ISOLATION:  # under bubblewrap: a search of the disk finds nothing, not even the course on a worker
        apply_known_bad(WEEK, ROOT / "tests" / "hostile" / WEEK.name /
                        "polynomial_features_searches_the_disk_for_the_reference.py", subs / "searcher")
    return subs


@pytest.fixture(scope="module")
def local(klass, tmp_path_factory):
    """The class graded by the local judges: the results every executor must write."""
    out = tmp_path_factory.mktemp("local") / "out"
    proc = grade_all(klass, out, "--jobs", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def test_ray_writes_the_results_the_local_judges_write(klass, local, tmp_path):
    """Does --executor ray (a local cluster, 2 CPUs) give every student and the class files exactly
    the local judges' bytes (timings aside); and does a submission that searches the disk for the
    reference find neither the course nor the copy unpacked for the Ray workers?"""
    out = tmp_path / "out"
    proc = grade_all(klass, out, "--executor", "ray", "--jobs", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert results_snapshot(out) == results_snapshot(local)
    assert not list(out.glob("*/.*.tmp"))
    scores = {r["student"]: r["score"] for r in csv.DictReader(io.StringIO((out / "gradebook.csv").read_text()))}
    assert scores["ref"] == scores["alternative"] == scores["zipped"] == "63"
    assert scores["blank"] == scores["corrupt"] == scores["linked"] == "0"
    assert 0 < float(scores["bad_adam"]) < 63
    assert "is a symbolic link" in (out / "linked" / "feedback.md").read_text()
    if (klass / "searcher").exists():
        points = {e["id"]: e["score"] for e in json.loads((out / "searcher" / "grading.json").read_text())["exercises"]}
        assert points["week1.polynomial_features"] == 0
    again = grade_all(klass, out, "--executor", "ray")  # nothing left to grade: no cluster needed
    n = len(list(klass.iterdir()))
    assert again.returncode == 0 and f"0 in this run, {n} unchanged" in " ".join(again.stdout.split())


@pytest.mark.slow  # 2 × 30 s of a job that never answers, and three Ray clusters started
def test_lost_worker_and_silent_job_cost_only_their_students(klass, local, tmp_path):
    """With one Ray worker killed mid-job (once) and one job that never answers: is the first student
    regraded in the same run to the same result, the second reported "not graded: infrastructure"
    after the bounded attempts (no zero, no file), everyone else graded as before, and nothing
    written twice; does the next run grade the silent one?"""
    once = tmp_path / "once"
    once.mkdir()
    out = tmp_path / "out"
    hooks = {jobs.KILL_ONCE_ENV: "ref", jobs.HOOK_DIR_ENV: str(once), jobs.HANG_JUDGE_ENV: "bad_adam"}
    # 30 s is far more than one honest week 1 grading takes on a busy machine (a few seconds).
    proc = grade_all(klass, out, "--executor", "ray", "--jobs", "2", "--student-timeout", "30", "--max-tries", "2",
                     env=hooks)
    console = " ".join((proc.stdout + proc.stderr).split())
    assert proc.returncode == 1, console
    assert (once / "killed-ref").exists()  # the worker grading ref did die
    assert ("bad_adam not graded: infrastructure: no answer from the Ray worker within 30 s" in console
            and "(2 attempts)" in console)
    assert not (out / "bad_adam" / "results.json").exists()
    row = next(r for r in csv.DictReader(io.StringIO((out / "gradebook.csv").read_text())) if r["student"] == "bad_adam")
    assert (row["status"], row["score"]) == ("not graded", "")
    expected = {k: v for k, v in results_snapshot(local).items() if not k.startswith("bad_adam/")}
    got = results_snapshot(out)
    assert {k: v for k, v in got.items() if k.startswith(tuple(s + "/" for s in stamps(out)))} == \
        {k: v for k, v in expected.items() if "/" in k}

    before = stamps(out)
    proc = grade_all(klass, out, "--executor", "ray", "--jobs", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert {s: v for s, v in stamps(out).items() if s in before} == before  # nobody graded twice
    assert results_snapshot(out) == results_snapshot(local)


@pytest.mark.slow  # two Ray clusters started, the first killed
def test_killed_driver_resumes_without_losing_or_repeating_a_result(klass, local, tmp_path):
    """After SIGKILL of the Ray driver (and the cluster it started) once some results are stored, does
    a re-run grade only the others, end with the local judges' results, and leave no Ray process?"""
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "grader", "grade-all", "week1", str(klass), "--out", str(out), "--device", "cpu",
           "--executor", "ray", "--jobs", "2", *CLASS_ISOLATION]
    kill_after_results(cmd, out, 1, timeout=300)
    done = stamps(out)
    assert 1 <= len(done) < len(list(klass.iterdir())), "the run was not killed halfway"
    for p in out.glob("*/grading.json"):
        json.loads(p.read_text())
    rerun = grade_all(klass, out, "--executor", "ray", "--jobs", "2")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert {s: v for s, v in stamps(out).items() if s in done} == done
    assert results_snapshot(out) == results_snapshot(local)
