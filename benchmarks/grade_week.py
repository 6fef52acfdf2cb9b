"""Time the grading of a whole week for one submission (the reference by default): every
public and hidden check, under the isolation grading uses, printing seconds per exercise,
the total and the score.

    python benchmarks/grade_week.py [week4] [--submission DIR] [--repeat 2] [--device cpu]

Runs the same public API (grader.engine.grade_submission) as every grading does. Week 4's
target is under 60 s for the reference on a 2-core CPU; the figures are recorded in
benchmarks/README.md.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.course import Week  # noqa: E402
from grader.engine import grade_submission  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("week", nargs="?", default="week4")
    parser.add_argument("--submission", help="a submission folder (default: the reference solution)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--device", default="cpu", choices=("auto", "cpu", "cuda"))
    args = parser.parse_args()
    os.environ.setdefault("DLGRADE_SECRET", "benchmark")
    week = Week.load(args.week, ROOT)
    folder = Path(args.submission) if args.submission else week.solution_dir
    for _ in range(args.repeat):
        marks = {}

        def progress(exercise, n, total):
            marks[exercise] = time.monotonic()

        started = time.monotonic()
        report = grade_submission(week, folder, device=args.device, progress=progress)
        seconds = time.monotonic() - started
        ends = [*list(marks.values())[1:], started + seconds]
        for (exercise, start), end in zip(marks.items(), ends):
            print(f"  {exercise:24s} {end - start:6.1f} s")
        print(f"{week.name} ({folder.name}): {seconds:.1f} s, {report.score:g}/{report.max_score:g} "
              f"({report.isolation}, device {args.device})", flush=True)


if __name__ == "__main__":
    main()
