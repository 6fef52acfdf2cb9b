"""Wall time and memory of `dlgrade grade-all` on a class of week 1 submissions.

    python benchmarks/grade_all_week1.py [--submissions 200] [--jobs 2] [--keep]

Generates the class in a temporary folder: a quarter copies of the reference, an eighth
the independently written correct example (examples/week1_linear_models/alternative_correct,
the reference where it is missing), an eighth blank templates, and the rest known-bad
submissions (each patch of examples/week1_linear_models/known_bad/ in turn, applied with
`grader.cli.apply_known_bad`). Runs `python -m grader grade-all week1 ... --jobs N` as a
subprocess and prints its wall time, submissions per minute, and peak memory: the resident
set (RSS) and the proportional set (PSS: shared pages divided among the processes sharing
them) of the whole process tree, sampled from /proc every 0.2 s, and ru_maxrss of the
children (the largest single process). Checks that every reference scored full marks and
every blank zero. Target: 200 submissions in at most 3 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.cli import apply_known_bad  # noqa: E402
from grader.course import Week  # noqa: E402

TARGET_SECONDS = 180
PAGE = os.sysconf("SC_PAGE_SIZE")


def make_class(week: Week, n: int, dest: Path) -> dict[str, str]:
    """`n` submission folders in `dest`; returns student -> kind (reference, alternative, blank, known-bad)."""
    examples = ROOT / "examples" / week.name
    alternative = examples / "alternative_correct"
    patches = sorted((examples / "known_bad").glob("*.py"))
    kinds = {}
    for i in range(n):
        slot = i % 8
        if slot in (0, 1):
            kind, src = "reference", week.solution_dir
        elif slot == 2:
            kind, src = "alternative", alternative if alternative.is_dir() else week.solution_dir
        elif slot == 3:
            kind, src = "blank", week.template_dir
        else:
            kind, src = "known-bad", None
        student = f"s{i:04d}"
        if src is None:
            apply_known_bad(week, patches[i % len(patches)], dest / student)
        else:
            shutil.copytree(src, dest / student, ignore=shutil.ignore_patterns("__pycache__"))
        kinds[student] = kind
    return kinds


def tree(pid: int) -> list[int]:
    """`pid` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def memory(pids: list[int]) -> tuple[int, int]:
    """(RSS, PSS) of `pids` together, in bytes."""
    rss = pss = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/statm") as f:
                rss += int(f.read().split()[1]) * PAGE
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError, IndexError):
            continue
    return rss, pss


class Sampler(threading.Thread):
    """Peak RSS and PSS of a process tree, sampled every `interval` seconds."""

    def __init__(self, pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = self.peak_processes = 0
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            pids = tree(self.pid)
            rss, pss = memory(pids)
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self.peak_processes = max(self.peak_processes, len(pids))
            self.done.wait(self.interval)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--submissions", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the class and the results and print where")
    args = ap.parse_args()
    week = Week.load("week1", ROOT)
    tmp = Path(tempfile.mkdtemp(prefix="dlgrade-grade-all-bench-"))
    try:
        subs, out = tmp / "submissions", tmp / "results"
        subs.mkdir()
        kinds = make_class(week, args.submissions, subs)
        cmd = [sys.executable, "-m", "grader", "grade-all", "week1", str(subs), "--out", str(out),
               "--jobs", str(args.jobs), "--device", "cpu"]
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        sampler = Sampler(proc.pid)
        sampler.start()
        output = proc.communicate()[0]
        wall = time.perf_counter() - t
        sampler.done.set()
        sampler.join()
        maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024

        rows = {r["student"]: r for r in csv.DictReader(open(out / "gradebook.csv"))}
        wrong = [s for s, k in kinds.items() if (k in ("reference", "alternative") and rows[s]["score"] != "63")
                 or (k == "blank" and rows[s]["score"] != "0") or rows[s]["status"] != "graded"]
        n = len(kinds)
        mix = ", ".join(f"{sum(k == x for k in kinds.values())} {x}" for x in ("reference", "alternative", "blank",
                                                                               "known-bad"))
        verdict = "met" if wall <= TARGET_SECONDS * n / 200 else "MISSED"
        print(f"{n} week 1 submissions ({mix}), --jobs {args.jobs}, {os.cpu_count()} CPUs; exit {proc.returncode}")
        print(f"wall time            {wall:8.1f} s   (target: 200 in ≤ {TARGET_SECONDS} s, pro rata: {verdict})")
        print(f"per submission       {wall / n:8.2f} s")
        print(f"submissions/minute   {60 * n / wall:8.1f}")
        print(f"peak RSS, all        {sampler.peak_rss / 2**20:8.0f} MiB (process tree; shared pages counted in each)")
        print(f"peak PSS, all        {sampler.peak_pss / 2**20:8.0f} MiB (shared pages divided among their processes)")
        print(f"ru_maxrss children   {maxrss / 2**20:8.0f} MiB (the largest single process)")
        print(f"peak processes       {sampler.peak_processes:8d}")
        print(f"scores as expected   {'yes' if not wrong else 'NO: ' + ', '.join(wrong[:10])}")
        if proc.returncode != 0:
            print(output[-3000:])
        if args.keep:
            print(f"\nclass and results kept in {tmp}")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
