"""Time the trained exercises of weeks 1–3: grade the reference solution's train_softmax,
train_mlp and cnn exercises with the real rubric, under the isolation grading uses, and
print seconds per exercise and the accuracy checks' outcomes.

    python benchmarks/grade_trained.py [--repeat 2] [--weeks week1 week2 week3]

Runs the same public API (grader.engine.grade_submission) as every grading does, so it runs
unchanged on an older checkout: that is how the before/after figures in
benchmarks/README.md were taken (the same machine, the two checkouts interleaved).
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

EXERCISES = {"week1": "week1.train_softmax", "week2": "week2.train_mlp", "week3": "week3.cnn"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--weeks", nargs="*", default=list(EXERCISES))
    args = parser.parse_args()
    os.environ.setdefault("DLGRADE_SECRET", "benchmark")
    for week_name in args.weeks:
        week = Week.load(week_name, ROOT)
        for _ in range(args.repeat):
            started = time.monotonic()
            report = grade_submission(week, week.solution_dir, device="cpu", only={EXERCISES[week_name]})
            seconds = time.monotonic() - started
            scores = f"{sum(r.score for r in report.results):g}/{sum(r.max_score for r in report.results):g}"
            print(f"{EXERCISES[week_name]:22s} {seconds:6.1f} s  {scores}  ({report.isolation})", flush=True)


if __name__ == "__main__":
    main()
