"""Wall time of grading one class of week 1 submissions four ways, side by side in one run:
`dlgrade grade-all --executor local` and `--executor ray` (a local Ray cluster), and `dlgrade
nbgrader autograde` before the cohort pipeline (one student after another in one process, at the
git revision --before) and after it (the pipeline, --jobs judges).

    python benchmarks/cohort_executors.py [--submissions 200] [--jobs 2] [--before 76eb2fd]

The class is `grade_all_week1.make_class`'s (references, the alternative, blanks, known-bad
patches). The nbgrader runs grade a copy each of one course made by `dlgrade nbgrader init`, the
submissions in submitted/<student>/week1_linear_models/ (the released notebook beside them, as
`nbgrader collect` leaves them). "before" runs the grader of the --before revision (a temporary
git worktree; skipped when there is no git checkout). Each run is a fresh process. Prints wall
time, seconds per submission, and what Ray adds per submission and in all (its cluster's start
included); checks that every run gives every student the same score.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from grade_all_week1 import make_class  # noqa: E402

from grader.course import Week  # noqa: E402
from grader.isolation import probe  # noqa: E402

RAY_START = ("import ray; ray.init(include_dashboard=False, log_to_driver=False, logging_level='ERROR'); "
             "ray.shutdown()")
BEFORE = "76eb2fd"  # the last revision with grader/batch.py and the sequential nbgrader autograde


def timed(cmd: list[str], cwd: Path, env: dict | None = None) -> tuple[float, int, str]:
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    return time.perf_counter() - t, proc.returncode, proc.stdout


def gradebook_csv_scores(path: Path) -> dict[str, str]:
    with open(path, newline="") as f:
        return {r["student"]: r["score"] for r in csv.DictReader(f)}


def nbgrader_scores(course: Path, assignment: str) -> dict[str, str]:
    from nbgrader.api import Gradebook

    from grader.report import format_points

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {s.student.id: format_points(s.score) for s in gb.find_assignment(assignment).submissions}


def nbgrader_course(week: Week, subs: Path, dest: Path) -> Path:
    """An nbgrader course holding every submission of `subs` as collected."""
    import nbformat

    from grader.nbgrader_bridge import init_course

    init_course(dest, [week.name], exchange=dest.parent / "exchange", root=ROOT)
    released = dest / "source" / week.name / f"{week.name}.ipynb"
    nb = nbformat.read(released, as_version=4)
    for student in sorted(p.name for p in subs.iterdir()):
        folder = dest / "submitted" / student / week.name
        shutil.copytree(subs / student, folder)
        nbformat.write(nb, folder / f"{week.name}.ipynb")
        (folder / "timestamp.txt").write_text("2026-12-01 12:00:00.000000 UTC")
    return dest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--submissions", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--before", default=BEFORE, help="git revision of the sequential nbgrader autograde")
    ap.add_argument("--skip", nargs="*", default=[], choices=["local", "ray", "before", "after"])
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    week = Week.load("week1", ROOT)
    isolation = [] if probe()[0] else ["--isolation", "rlimits"]
    tmp = Path(tempfile.mkdtemp(prefix="dlgrade-cohort-bench-"))
    rows, scores = [], {}
    try:
        subs = tmp / "submissions"
        subs.mkdir()
        make_class(week, args.submissions, subs)
        n = args.submissions
        base = [sys.executable, "-m", "grader"]
        for executor in ("local", "ray"):
            if executor in args.skip:
                continue
            out = tmp / f"results-{executor}"
            wall, code, output = timed([*base, "grade-all", "week1", str(subs), "--out", str(out), "--jobs",
                                        str(args.jobs), "--device", "cpu", "--executor", executor, *isolation], ROOT)
            rows.append((f"grade-all --executor {executor} --jobs {args.jobs}", wall, code))
            scores[executor] = gradebook_csv_scores(out / "gradebook.csv") if code == 0 else {}
            if code:
                print(output[-3000:])
        course = nbgrader_course(week, subs, tmp / "course" / "course")
        worktree = tmp / "before-checkout"
        runs = []
        if "before" not in args.skip and (ROOT / ".git").exists():
            made = subprocess.run(["git", "worktree", "add", "--detach", str(worktree), args.before], cwd=ROOT,
                                  capture_output=True, text=True)
            if made.returncode == 0:
                runs.append(("before", worktree, [], f"nbgrader autograde, before ({args.before}, one at a time)"))
            else:
                print(f"skipping 'before': {made.stderr.strip()}")
        if "after" not in args.skip:
            runs.append(("after", ROOT, ["--jobs", str(args.jobs)], f"nbgrader autograde, after (--jobs {args.jobs})"))
        for name, checkout, extra, label in runs:
            copy = tmp / f"course-{name}"
            shutil.copytree(course.parent, copy)
            where = copy / "course"
            wall, code, output = timed([sys.executable, "-m", "grader", "--course", str(checkout), "nbgrader",
                                        "autograde", "week1", "--nbgrader-course", str(where), "--device", "cpu",
                                        *isolation, *extra], checkout, env={"PYTHONPATH": str(checkout)})
            rows.append((label, wall, code))
            scores[name] = nbgrader_scores(where, week.name)
            if code:
                print(output[-3000:])
        if worktree.exists():
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, capture_output=True)

        print(f"{n} week 1 submissions, {os.cpu_count()} CPUs, isolation {'bubblewrap' if not isolation else 'rlimits'}")
        print(f"{'run':58s} {'wall s':>8s} {'s/submission':>13s} {'exit':>5s}")
        for label, wall, code in rows:
            print(f"{label:58s} {wall:8.1f} {wall / n:13.3f} {code:5d}")
        walls = {label.split()[2]: wall for label, wall, _ in rows if label.startswith("grade-all")}
        if "local" in walls and "ray" in walls:
            extra = walls["ray"] - walls["local"]
            start, _, _ = timed([sys.executable, "-c", RAY_START], ROOT)
            print(f"Ray adds {extra:+.1f} s in all, {extra / n:+.3f} s per submission; starting and stopping a "
                  f"local cluster alone takes {start:.1f} s (a fresh process), so {(extra - start) / n:+.3f} s per "
                  "submission beyond it")
        reference = next(iter(scores.values()), {})
        same = all(s == reference for s in scores.values())
        print(f"same score for every student in every run: {'yes' if same else 'NO'}")
        if not same:
            for name, s in scores.items():
                diff = sorted(k for k in reference if s.get(k) != reference[k])[:10]
                print(f"  {name}: differs for {diff}")
        if args.keep:
            print(f"kept in {tmp}")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
