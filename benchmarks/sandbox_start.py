"""Start-up cost of the two kinds of fork server a submission may get.

    python benchmarks/sandbox_start.py [--repeat 8]

A week's NumPy-only modules are graded by a server that imports NumPy alone; the modules
that may use any library (week 3's models.py) by one that preloads the rubric's `preload`
(torch). Prints, per kind and isolation mode, the median time to start the server and the
median time of the first call (fork a worker, import the student's module, answer).

Measured on the 2-core development machine, other tests running beside it (median of 8):
  numpy-only   bubblewrap  start 0.110 s, first call 0.006 s
  numpy-only   rlimits     start 0.086 s, first call 0.006 s
  numpy+torch  bubblewrap  start 1.089 s, first call 0.014 s
  numpy+torch  rlimits     start 1.015 s, first call 0.013 s
Grading the references with `dlgrade grade` on the same machine, the commit before this
change and this change alternated (wall s / CPU s of the whole process tree, each round):
  week 1: before 7.2, 7.3, 5.6, 6.2 / 6.1, 6.3, 4.8, 5.3   after 7.2, 6.2, 5.4, 6.1 / 6.2, 5.5, 4.7, 5.3
  week 2: before 7.1, 6.2, 5.2, 6.2 / 4.8, 4.2, 3.5, 4.2   after 7.0, 5.9, 5.2, 7.0 / 4.8, 4.1, 3.6, 4.6
  week 3: before 65.1, 62.9, 64.9, 60.8, 74.8   after 67.4, 65.3, 69.0, 59.2, 78.0 (the CNN's training
          runs make ~35 s of it and vary by ±10 s under load; one more pair, 168 s before and 82 s
          after, ran beside a heavy job and is left out); without week3.cnn, median of 5:
          before 5.17 s, after 5.21 s. Weeks 1 and 2 start one server either way (NumPy only);
          week 3 launches its two together, so the NumPy-only one's start is hidden.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader import isolation  # noqa: E402
from grader.sandbox import Limits, Sandbox, Session  # noqa: E402

KINDS = {"numpy-only": {"numpy_only": True}, "numpy+torch": {"preload": ("numpy", "torch")}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=8)
    args = ap.parse_args()
    modes = ["bubblewrap", "rlimits"] if isolation.probe()[0] else ["rlimits"]
    with tempfile.TemporaryDirectory() as tmp:
        sub = Path(tmp)
        (sub / "mod.py").write_text("def f():\n    return 1\n")
        times: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for _ in range(args.repeat):
            for kind, options in KINDS.items():
                for mode in modes:
                    t0 = time.perf_counter()
                    with Sandbox(sub, "pkg", ["mod"], Limits(isolation=mode), **options) as box:
                        t1 = time.perf_counter()
                        session = Session(box)
                        session.mod.f()
                        t2 = time.perf_counter()
                        session.close()
                    times.setdefault((kind, mode), []).append((t1 - t0, t2 - t1))
    for (kind, mode), runs in times.items():
        start = statistics.median(a for a, _ in runs)
        call = statistics.median(b for _, b in runs)
        print(f"{kind:12s} {mode:11s} start {start:.3f} s, first call {call:.3f} s")


if __name__ == "__main__":
    main()
