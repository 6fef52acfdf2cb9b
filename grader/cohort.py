"""Grading a whole class: one pipeline, two consumers (``dlgrade grade-all`` and ``dlgrade
nbgrader autograde``).

1. Find the submissions (`grader.discovery.discover`) and vet them (links, other owners, in an
   nbgrader course the exchange's evidence: `vet`).
2. Fingerprint each (`grader.store.fingerprint`): the key of its result.
3. Grade each student without a result for that key where an executor puts it
   (`grader.executors`: judge processes here, or a Ray cluster), as plain-data jobs
   (`grader.jobs`).
4. Store each result once, in the driver (`grader.store.Store`).
5. Rebuild the class files from every stored result (`grader.class_summary`); nbgrader's
   consumer then fills gradebook.db from them (`grader.nbgrader_bridge`).

Isolation. A class is graded under bubblewrap, or with rlimits only when asked for
explicitly; "auto" does not fall back (`class_isolation`).

Resumption and faults. The store is the source of truth: a re-run grades only the students
without a result for their current fingerprint (``--force`` regrades anyway; ``--student``
grades only some). What the student's code did (a timeout, a crash, running out of memory, a
wrong answer) is in the result and final. What the machine did (a worker that died, a node that
never answered, a sandbox that could not start) is tried again a bounded number of times
(`grader.executors.MAX_TRIES`), then that student alone is reported "not graded:
infrastructure" (never a zero) and a re-run tries again. A Ctrl-C keeps every result stored.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .class_summary import student_meta, write_class_files
from .course import Week
from .discovery import Discovery, Submission, discover, vet
from .executors import MAX_TRIES, InlineExecutor, LocalExecutor, Task, grading_limits, student_seconds
from .jobs import ERROR, GRADED, INFRASTRUCTURE, Outcome, hooks_from_environment, pack
from .provenance import exchange_inbound
from .report import format_points, printable
from .scoring import GradeReport
from .store import (LOCK, BatchError, Store, acquire_lock, clean_stray_files, fingerprint, grading_key, invalidate,
                    make_scratch, remove_old_scratch, remove_scratch, _remove)

EXECUTORS = ("local", "ray", "inline")  # inline: this process, for debugging (grader.executors.InlineExecutor)
NOT_GRADED = {INFRASTRUCTURE: "infrastructure", ERROR: "grader error"}  # what a student not graded is told as


@dataclass
class BatchRun:
    """What one `grade_all` call did."""

    discovery: Discovery
    summary: dict
    skipped: int = 0
    graded: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # student -> why they could not be graded
    interrupted: bool = False
    notes: list[str] = field(default_factory=list)  # about the whole run, for the instructor
    finished: dict[str, dict] = field(default_factory=dict)  # student -> grading.json of their current result
    not_graded: dict[str, str] = field(default_factory=dict)  # student -> why they have no current result

    @property
    def complete(self) -> bool:
        return not self.failed and not self.interrupted and not self.discovery.refused


def class_isolation(week: Week, requested: str | None) -> str:
    """The isolation a whole class is graded under: "rlimits" only when asked for on the
    command line (`requested`), else "bubblewrap", which must run here. Unlike a single
    grading, "auto" never falls back: without bubblewrap every submission could read the
    reference solutions and the other students' files and results. Raises BatchError."""
    from . import isolation
    from .sandbox import Limits

    if requested == "rlimits":
        return "rlimits"
    if requested is None and Limits.from_rubric(week.rubric).isolation == "rlimits":
        raise BatchError(f"{week.name}'s rubric sets isolation = \"rlimits\"; grading a whole class without "
                         "bubblewrap must be asked for on the command line: pass --isolation rlimits")
    ok, why = isolation.probe()
    if not ok:
        raise BatchError(f"{why}, and a whole class is never graded without it: each submission could read the "
                         "reference solutions and the other students' files and results. Install bubblewrap "
                         "(Debian/Ubuntu: apt-get install bubblewrap), or pass --isolation rlimits to grade with "
                         "resource limits only, knowingly.")
    return "bubblewrap"


def resolved_isolation(requested: str | None) -> str:
    """How student code will be confined ("bubblewrap" or "rlimits only"), part of the
    fingerprint: installing bubblewrap regrades what was graded without it."""
    from .isolation import resolve_mode

    try:
        return resolve_mode(requested or "auto")[0]
    except RuntimeError as e:  # bubblewrap required but not available
        raise BatchError(str(e)) from None


def grade_all(week: Week, submissions_dir: str | Path, results_dir: str | Path, *, jobs: int | None = None,
              device: str = "auto", call_timeout: float | None = None, memory_mb: int | None = None,
              isolation: str | None = None, student_timeout: float | None = None, progress=None,
              students: list[str] | None = None, force: bool = False, executor: str = "local",
              ray_address: str | None = None, max_tries: int | None = None) -> BatchRun:
    """Grade every submission in `submissions_dir` into `results_dir`, resuming a
    previous run there (see the module's docstring), and rebuild the class files.
    `students`: grade only these (the class files still cover everyone); `force`: regrade
    even those whose results are up to date. `executor`: "local" (`jobs` judge processes here)
    or "ray" (`grader.ray_executor`: `ray_address`, else ``$RAY_ADDRESS``, else a local cluster;
    `jobs` bounds the jobs in flight, default the cluster's CPUs). `progress`: a
    `grader.cohort_display.Progress`. Student code runs under bubblewrap unless `isolation` is
    "rlimits" (`class_isolation`: "auto" does not fall back); BatchError when that cannot be."""
    if executor not in EXECUTORS:
        raise BatchError(f"unknown executor {executor!r} (one of {', '.join(EXECUTORS)})")
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    lock = acquire_lock(results_dir / LOCK)
    try:
        options = {"device": device, "call_timeout": call_timeout, "memory_mb": memory_mb,
                   "isolation": class_isolation(week, isolation)}
        return _grade_all(week, Path(submissions_dir), results_dir.resolve(), options, progress, student_timeout,
                          students=students, force=force, executor=executor, jobs=jobs, ray_address=ray_address,
                          max_tries=max_tries)
    finally:
        _remove(results_dir / LOCK)  # while still holding it: a run waiting on this file retries
        lock.close()


def _grade_all(week: Week, submissions_dir: Path, results_dir: Path, options: dict, progress,
               student_timeout: float | None, *, students: list[str] | None, force: bool, executor: str,
               jobs: int | None, ray_address: str | None, max_tries: int | None) -> BatchRun:
    found = discover(week, submissions_dir, exclude=results_dir)
    if students:
        ids = {s.student for s in found.submissions}
        unknown = [s for s in dict.fromkeys(students) if s not in ids]
        if unknown:
            refused = {name.removesuffix(".zip") for name, _ in found.refused}
            raise BatchError("no gradable submission for " + ", ".join(
                printable(s) + (" (refused: see the run without --student)" if s in refused else "")
                for s in unknown) + f" in {found.root or submissions_dir}")
    clean_stray_files(results_dir)
    remove_old_scratch(results_dir)
    store = Store(results_dir)
    key = grading_key(week, {**options, "isolation": resolved_isolation(options["isolation"])})
    nbgrader, inbound, notes = found.layout == "nbgrader", None, []
    if nbgrader and found.root is not None:
        inbound, why = exchange_inbound(found.root.parent)
        if inbound is None:
            notes.append(f"the nbgrader exchange was not checked ({why}): symbolic links and other owners in the "
                         "students' inbound submissions could not be looked for")
    vetted = {s.student: vet(week, s, inbound, nbgrader) for s in found.submissions}
    prints = {s.student: fingerprint(s, week.modules, key, vetted[s.student]) for s in found.submissions}
    done = {s.student for s in found.submissions if store.finished(s.student, prints[s.student]) is not None}
    todo = [s for s in found.submissions
            if (not students or s.student in students) and (force or s.student not in done)]
    run = BatchRun(found, {}, skipped=len(done - {s.student for s in todo}), notes=notes)

    def on_outcome(outcome: Outcome) -> None:
        student = outcome.student
        if outcome.kind == GRADED and outcome.fingerprint == prints.get(student):
            report = GradeReport.from_dict(outcome.report)
            meta = student_meta(report, outcome.fingerprint, vetted[student].flags)
            if store.put(student, outcome.fingerprint, report, meta):
                run.graded += 1
            shown = f"{format_points(meta['score'])}/{format_points(meta['max_score'])}"
        elif outcome.kind == GRADED:  # not what this run asked for: never stored
            run.notes.append(f"a result for {student} that this run did not ask for was dropped")
            return
        else:
            run.failed[student] = f"{NOT_GRADED.get(outcome.kind, outcome.kind)}: {outcome.why}"
            shown = f"not graded: {run.failed[student]}"
        if progress:
            progress.finished(student, shown)

    for s in todo:
        (results_dir / s.student).mkdir(exist_ok=True)
        invalidate(results_dir / s.student)
    if progress:
        progress.start(run.skipped + len(todo), run.skipped)
    scratch = make_scratch(results_dir) if todo else None
    try:
        if todo:
            if student_timeout is None:
                student_timeout = student_seconds(week, grading_limits(week, options))
            config = {"week": week.name, "course": str(week.root), "options": options, "scratch": str(scratch),
                      "hooks": hooks_from_environment()}
            tasks = [Task(s.student, prints[s.student],
                          lambda s=s: pack(week, s, prints[s.student], vetted[s.student])) for s in todo]
            make_executor(executor, week, config, jobs=jobs, ray_address=ray_address, max_seconds=student_timeout,
                          max_tries=max_tries or MAX_TRIES).run(tasks, on_outcome)
    except KeyboardInterrupt:
        run.interrupted = True
    finally:
        if progress:
            progress.stop()
        if scratch is not None:
            remove_scratch(results_dir, scratch)
    for s in found.submissions:
        meta = store.finished(s.student, prints[s.student])
        if meta is not None:
            run.finished[s.student] = meta
        else:
            run.not_graded[s.student] = run.failed.get(s.student) or (
                "not graded yet (the run was interrupted)" if run.interrupted else "not graded yet")
    run.summary = write_class_files(results_dir, week, list(run.finished.values()), run.not_graded, found.refused,
                                    run.notes)
    return run


def make_executor(name: str, week: Week, config: dict, *, jobs: int | None, ray_address: str | None,
                  max_seconds: float, max_tries: int):
    if name == "ray":
        from .ray_executor import RayExecutor

        return RayExecutor(week, config, address=ray_address, jobs=jobs, max_seconds=max_seconds,
                           max_tries=max_tries)
    if name == "inline":
        return InlineExecutor(config, max_tries=max_tries)
    return LocalExecutor(jobs or os.cpu_count() or 1, config, max_seconds=max_seconds, max_tries=max_tries)


__all__ = ["grade_all", "BatchRun", "BatchError", "class_isolation", "resolved_isolation", "Submission"]
