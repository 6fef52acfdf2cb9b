"""Wall time of grading week 1 with every check (public and hidden).

    python benchmarks/grade_week1.py [--repeat 5]

Prints, for the reference solution and the blank template:
  cold  – a fresh `python -m grader grade` process (imports of torch and NumPy included);
  warm  – grading again inside one process that has graded once already, which is
          what a batch of submissions costs per student.
Target: ≤ 2 s per submission on a 2-core machine.
"""

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.course import Week  # noqa: E402
from grader.engine import grade_submission  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    week = Week.load("week1", ROOT)
    subs = {"reference": week.solution_dir, "blank template": week.template_dir}
    print(f"{'submission':16s} {'score':>9s} {'cold s':>7s} {'warm s (median of %d)' % args.repeat:>22s} {'checks':>7s}")
    for label, folder in subs.items():
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "grader", "grade", "week1", str(folder)], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        cold = time.perf_counter() - t
        grade_submission(week, folder, device="cpu")  # warm the process
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            report = grade_submission(week, folder, device="cpu")
            times.append(time.perf_counter() - t)
        print(f"{label:16s} {report.score:4g}/{report.max_score:<4g} {cold:7.2f} {statistics.median(times):22.3f} "
              f"{len(report.results):7d}")
    report = grade_submission(week, week.solution_dir, device="cpu")
    print("slowest checks on the reference (warm):")
    for r in sorted(report.results, key=lambda r: -r.seconds)[:6]:
        print(f"  {r.seconds:6.3f} s  {r.title}")


if __name__ == "__main__":
    main()
