"""Wall time of `nbgrader autograde` (executes every notebook) against `dlgrade nbgrader
autograde` (judges the module files, never runs a notebook) and `dlgrade grade-all` (the
same judge in parallel, long-lived processes) on the same week 1 submissions.

    python benchmarks/nbgrader_autograde.py [--submissions 20]

Builds a course with `dlgrade nbgrader init` and `nbgrader generate_assignment`, puts the
submissions straight into submitted/ (as `nbgrader collect` would): the reference, the
blank release and known-bad ones (examples/week1_linear_models/known_bad/, applied with
`grader.cli.apply_known_bad`), each with the released notebook. Three copies of the course
are graded, one by each command, each a fresh process (grade-all reads submitted/ and
writes its results outside the course, with --jobs the number of CPUs). Prints the wall
times and each submission's score from both gradebooks and from grade-all's gradebook.csv.
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

from grader.cli import apply_known_bad  # noqa: E402
from grader.course import Week  # noqa: E402
from grader.nbgrader_bridge import init_course  # noqa: E402

# Runs `dlgrade` with the nbgrader subcommand, whether or not cli.py registers it yet.
DLGRADE = """
import argparse, sys
from grader import cli
from grader.nbgrader_bridge import register_cli
parser = cli.build_parser()
sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
if "nbgrader" not in sub.choices:
    register_cli(sub)
args = parser.parse_args(sys.argv[1:])
sys.exit(args.func(args))
"""


def submissions(week: Week, n: int, work: Path) -> list[tuple[str, Path]]:
    """`n` submission folders: a quarter reference, a fifth blank, the rest known-bad."""
    patches = sorted((ROOT / "examples" / week.name / "known_bad").glob("*.py"))
    n_ref, n_blank = max(1, n // 4), max(1, n // 5)
    subs = [(f"reference{i:02d}", week.solution_dir) for i in range(n_ref)]
    subs += [(f"blank{i:02d}", week.template_dir) for i in range(n_blank)]
    for i in range(n - n_ref - n_blank):
        patch = patches[i * len(patches) // max(1, n - n_ref - n_blank)]
        subs.append((f"bad-{patch.stem}"[:60], apply_known_bad(week, patch, work / patch.stem / week.name)))
    return subs


def gradebook_scores(course: Path, assignment: str) -> dict[str, float | None]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {s.student.id: s.score for s in gb.find_assignment(assignment).submissions}


def timed(cmd: list[str], cwd: Path, env: dict) -> tuple[float, int]:
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t, proc.returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--submissions", type=int, default=20)
    ap.add_argument("--keep", action="store_true", help="keep the temporary courses and print where")
    args = ap.parse_args()
    week = Week.load("week1", ROOT)
    tmp = Path(tempfile.mkdtemp(prefix="dlgrade-nbgrader-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")} | {"HOME": str(tmp / "home")}
    try:
        course = tmp / "nbgrader"
        init_course(course, [week.name], root=ROOT)
        subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", week.name], cwd=course, env=env,
                       check=True, capture_output=True)
        release = course / "release" / week.name
        for student, folder in submissions(week, args.submissions, tmp / "work"):
            dest = course / "submitted" / student / week.name
            shutil.copytree(folder, dest, ignore=shutil.ignore_patterns("__pycache__"))
            shutil.copy(release / f"{week.name}.ipynb", dest)
            (dest / "timestamp.txt").write_text("2025-03-01 12:00:00.000000 UTC")
        twin = tmp / "dlgrade"
        shutil.copytree(course, twin)
        batch_course, batch_out = tmp / "grade-all", tmp / "grade-all-results"
        shutil.copytree(course, batch_course)

        t_nb, rc_nb = timed([sys.executable, "-m", "nbgrader", "autograde", week.name], course, env)
        t_dl, rc_dl = timed([sys.executable, "-c", DLGRADE, "--course", str(ROOT), "nbgrader", "autograde",
                             week.short, "--course", str(twin), "--device", "cpu"], twin, env)
        t_ga, rc_ga = timed([sys.executable, "-m", "grader", "--course", str(ROOT), "grade-all", week.short,
                             str(batch_course), "--out", str(batch_out), "--device", "cpu"], ROOT, env)
        nb, dl = gradebook_scores(course, week.name), gradebook_scores(twin, week.name)
        with open(batch_out / "gradebook.csv") as f:
            ga = {r["student"]: float(r["score"]) if r["score"] else float("nan") for r in csv.DictReader(f)}
        n = len(nb)
        print(f"{n} week 1 submissions, {os.cpu_count()} CPUs")
        print(f"{'command':44s} {'wall s':>8s} {'s/submission':>13s} {'exit':>5s}")
        print(f"{'nbgrader autograde':44s} {t_nb:8.1f} {t_nb / n:13.2f} {rc_nb:5d}")
        print(f"{'dlgrade nbgrader autograde':44s} {t_dl:8.1f} {t_dl / n:13.2f} {rc_dl:5d}")
        print(f"{f'dlgrade grade-all (--jobs {os.cpu_count()})':44s} {t_ga:8.1f} {t_ga / n:13.2f} {rc_ga:5d}")
        print(f"speed-up over nbgrader autograde: {t_nb / t_dl:.1f}x (dlgrade nbgrader autograde), "
              f"{t_nb / t_ga:.1f}x (dlgrade grade-all)")
        print(f"\n{'submission':44s} {'nbgrader':>9s} {'dlgrade':>8s} {'grade-all':>10s}")
        for student in sorted(nb):
            print(f"{student:44s} {nb[student]:9g} {dl.get(student, float('nan')):8g} "
                  f"{ga.get(student, float('nan')):10g}")
        if args.keep:
            print(f"\ncourses kept in {tmp}")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
