"""What a cohort's run shows on the terminal (`grader.cohort`): a progress bar with an ETA, or
one line per finished student, then refused, failed and flagged students and the class summary."""

from __future__ import annotations

import time
from pathlib import Path

from .class_summary import exercise_line, isolation_warning
from .cohort import BatchRun
from .report import format_points, printable
from .store import GRADEBOOK, HISTOGRAM, SUMMARY_JSON, SUMMARY_MD


class Progress:
    """Counts and ETA on the console: a rich progress bar on a terminal, else one line
    per finished student ("[12/200] alice 63/63")."""

    def __init__(self, console):
        self.console = console
        self.bar = None

    def start(self, total: int, done: int) -> None:
        self.total, self.done, self.first, self.t0 = total, done, done, time.monotonic()
        if self.console.is_terminal and total > done:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)

            self.bar = Bar(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                           TextColumn("eta"), TimeRemainingColumn(), TextColumn("{task.description}"),
                           console=self.console)
            self.bar.start()
            self.task = self.bar.add_task("", total=total, completed=done)

    def finished(self, student: str, outcome: str) -> None:
        from rich.markup import escape
        from rich.text import Text

        self.done += 1
        if self.bar is not None:
            # The bar's text column reads rich markup: the line is escaped (and printable) so that
            # whatever it holds is shown as typed.
            self.bar.update(self.task, advance=1, description=escape(printable(f"{student} {outcome}")))
            if not outcome[:1].isdigit():
                self.bar.console.print(Text(printable(f"{student}: {outcome}"), style="red"))
            return
        rate = (time.monotonic() - self.t0) / max(self.done - self.first, 1)
        eta = int(rate * (self.total - self.done))
        self.console.print(Text(printable(f"[{self.done}/{self.total}] {student} {outcome}")
                                + (f"  (eta {eta // 60}:{eta % 60:02d})" if self.done < self.total else "")),
                           soft_wrap=True)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()



def render_run(run: BatchRun, results_dir: Path, console, verbose: bool = False) -> None:
    """What the console shows after a run: refused and failed students, the class summary."""
    from rich.text import Text

    def say(text: str, style: str = "") -> None:
        console.print(Text(text, style=style), soft_wrap=True)

    s = run.summary
    for name, why in run.discovery.refused:
        say(f"refused {printable(name)!r}: {why}", "red")
    ignored = run.discovery.ignored
    for name, why in ignored if verbose else ():
        say(f"ignored {printable(name)!r}: {why}", "dim")
    if ignored and not verbose:
        names = ", ".join(repr(printable(n)) for n, _ in ignored[:10]) + (", …" if len(ignored) > 10 else "")
        what = "entry that is not a submission" if len(ignored) == 1 else "entries that are not submissions"
        say(f"ignored {len(ignored)} {what}: {names} (-v says why)", "dim")
    for student, why in sorted(run.failed.items()):
        say(f"{student} not graded: {why}", "red")
    for f in s.get("flagged", ()):
        for flag in f["flags"]:
            say(f"flagged {f['student']}: {printable(flag)}", "yellow")
    for note in s.get("notes", ()):
        say(f"note: {printable(note)}", "yellow")
    line = f"{s['week']}: {s['graded']} graded ({s['graded'] - run.skipped} in this run, {run.skipped} unchanged)"
    if s["graded"]:
        line += f", mean {format_points(s['mean'])} / {format_points(s['max_score'])}"
    say(line)
    failing = [ex for ex in s["exercises"] if ex["failed"]]
    for ex in failing if verbose else sorted(failing, key=lambda e: -e["failed_percent"])[:8]:
        say("  " + exercise_line(ex))
    say(f"Wrote {GRADEBOOK}, {SUMMARY_MD}, {SUMMARY_JSON} and {HISTOGRAM} in {results_dir}")
    if s["not_isolated"]:
        say(f"WARNING: {isolation_warning(s)}", "bold red")
