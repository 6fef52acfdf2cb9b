"""Where a cohort's jobs are graded (`grader.cohort`): ``--executor local`` (the default) or
``--executor ray`` (`grader.ray_executor`).

Both take the same tasks and report each student exactly once through ``on_outcome``, with an
`grader.jobs.Outcome`. Both retry what is the machine's fault (a worker that died, one still
busy after ``max_seconds``, a sandbox that could not start) up to ``max_tries`` attempts in all,
then report "infrastructure" for that student alone; an outcome that is the student's is final.
Neither writes results: the driver does (`grader.store.Store`).

The local executor runs long-lived judge processes (multiprocessing "spawn": the parent may
hold threads), each grading one job at a time with `grader.jobs.run_job`, so the heavy imports
are paid once per process. Student code never runs in them (it runs in the sandbox each grading
starts). The parent supervises them through one pipe each and their sentinels: a judge that dies
costs an attempt of the job it held, and is replaced.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Callable

from .course import Week
from .jobs import ERROR, INFRASTRUCTURE, Job, Outcome

MAX_TRIES = 3  # attempts at one job before its student is reported "not graded: infrastructure"


@dataclass
class Task:
    """One student to grade: `pack` reads the submission into a job when it is sent out."""

    student: str
    fingerprint: str
    pack: Callable[[], Job]
    tries: int = 0
    faults: tuple[str, ...] = ()  # why each failed attempt failed


class Retries:
    """The queue of tasks and the bounded retry of infrastructure faults, shared by executors."""

    def __init__(self, tasks: list[Task], on_outcome: Callable[[Outcome], None], max_tries: int = MAX_TRIES):
        self.pending = deque(tasks)
        self.on_outcome = on_outcome
        self.max_tries = max_tries

    def next(self) -> Task | None:
        if not self.pending:
            return None
        task = self.pending.popleft()
        task.tries += 1
        return task

    def job(self, task: Task) -> Job | None:
        """The job of `task`, read now; None (the student reported as not graded) when reading the
        submission failed in a way `grader.jobs.pack` did not foresee."""
        try:
            return task.pack()
        except Exception as e:
            self.on_outcome(Outcome(ERROR, task.student, task.fingerprint,
                                    why=f"the submission could not be read ({type(e).__name__}: {e})"[:500]))
            return None

    def done(self, task: Task, outcome: Outcome) -> None:
        """An attempt ended with `outcome`: report it, or (an infrastructure fault with tries
        left) put the task back first in line."""
        if outcome.kind == INFRASTRUCTURE:
            self.fault(task, outcome.why)
        else:
            self.on_outcome(outcome)

    def fault(self, task: Task, why: str) -> None:
        task.faults += (why,)
        if task.tries < self.max_tries:
            self.pending.appendleft(task)
            return
        whys = list(dict.fromkeys(task.faults))
        self.on_outcome(Outcome(INFRASTRUCTURE, task.student, task.fingerprint,
                                why=f"{'; '.join(whys)} ({task.tries} attempt{'s' * (task.tries != 1)})"))

    def unsent(self, task: Task) -> None:
        """`task` never reached a worker: back in line, the attempt not counted."""
        task.tries -= 1
        self.pending.appendleft(task)

    def give_up(self, why: str) -> None:
        """Report every task still waiting as not graded (the executor cannot go on)."""
        while self.pending:
            task = self.pending.popleft()
            self.on_outcome(Outcome(INFRASTRUCTURE, task.student, task.fingerprint, why=why))


def student_seconds(week: Week, limits) -> float:
    """How long grading one student may take before its worker is presumed stuck (in the
    grader, since every call into student code has its own limits) and the attempt abandoned:
    twice the most the sandbox's limits allow, sandbox restarts included."""
    from .sandbox import Sandbox

    starts = limits.start_seconds * (1 + Sandbox.MAX_RESTARTS)
    per_exercise = limits.exercise_seconds + limits.import_seconds + 10
    return 2 * (starts + len(week.exercise_modules) * per_exercise) + 60


def grading_limits(week: Week, options: dict):
    from .sandbox import Limits

    return Limits.from_rubric(week.rubric, call_seconds=options["call_timeout"], memory_mb=options["memory_mb"],
                              isolation=options.get("isolation"))


def grader_for(week: Week, config: dict, *, hooks: bool = True, hidden: tuple[str, ...] = ()) -> Callable[[Job], Outcome]:
    """How a worker grades the jobs of the run `config`: `grader.jobs.run_job` with the run's device
    and limits, its test hooks unless `hooks` is False, and `hidden` kept from student code."""
    from . import jobs

    options, limits = config["options"], grading_limits(week, config["options"])
    return lambda job: jobs.run_job(week, job, device=options["device"], limits=limits,
                                    hooks=config.get("hooks") if hooks else None, hidden=hidden)


class InlineExecutor:
    """Every job in this process, one after another: for debugging the grader (a breakpoint in
    `grader.jobs.run_job` is reached) and for tests. Student code still runs in its sandbox; a
    job that hangs the grader hangs the run (there is no watchdog)."""

    name = "inline"

    def __init__(self, config: dict, max_tries: int = MAX_TRIES):
        self.config, self.max_tries = config, max_tries

    def run(self, tasks: list[Task], on_outcome: Callable[[Outcome], None]) -> None:
        grade = grader_for(Week.load(self.config["week"], self.config["course"]), self.config, hooks=False)
        queue = Retries(tasks, on_outcome, self.max_tries)
        while queue.pending:
            task = queue.next()
            job = queue.job(task)
            if job is not None:
                queue.done(task, grade(job))


# ------------------------------------------------------------------------ local


def _judge_main(conn, config: dict) -> None:
    """A judge process: load the week once, then grade the jobs it is sent until it receives
    None or its pipe closes. Replies with each job's outcome (a dict)."""
    signal.signal(signal.SIGINT, lambda *a: None)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))  # unwinds: sandboxes and temporary files go
    tempfile.tempdir = config["scratch"]  # what a killed judge leaves there, the run removes
    grade = grader_for(Week.load(config["week"], config["course"]), config)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        outcome = grade(job)
        try:
            conn.send(("outcome", outcome.to_dict()))
        except (BrokenPipeError, OSError):
            return


class _Judge:
    """One judge process, the pipe to it, and the task it holds."""

    def __init__(self, ctx, config: dict):
        self.conn, theirs = ctx.Pipe()
        self.process = ctx.Process(target=_judge_main, args=(theirs, config), name="dlgrade-judge", daemon=True)
        self.process.start()
        theirs.close()
        self.task: Task | None = None
        self.ready = False  # it has loaded the week
        self.since = 0.0  # when it was given its task (time.monotonic)
        self.overdue = False  # killed for taking longer than a student may

    def messages(self) -> list[tuple]:
        """Every reply waiting in the pipe; after the pipe closes, the process is reaped."""
        out = []
        try:
            while self.conn.poll():
                out.append(self.conn.recv())
        except (EOFError, OSError):
            self.process.join(5)
        return out

    def stop(self, timeout: float = 5.0) -> None:
        """Ask an idle judge to finish; terminate a busy one (it unwinds, removing its sandbox)."""
        if self.process.is_alive():
            try:
                if self.task is None:
                    self.conn.send(None)
                else:
                    self.process.terminate()
            except OSError:
                pass
            self.process.join(timeout)
            if self.process.is_alive():
                self.process.kill()
                self.process.join()
        self.conn.close()


def _judge_env() -> dict:
    """Environment variables for the judges while they start: one BLAS/OpenMP thread
    each (there is one judge per core), unless the user chose otherwise."""
    return {v: "1" for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS") if v not in os.environ}


class LocalExecutor:
    """Up to `jobs` judge processes on this machine."""

    name = "local"

    def __init__(self, jobs: int, config: dict, *, max_seconds: float | None = None, max_tries: int = MAX_TRIES,
                 max_start_failures: int = 3):
        self.jobs, self.config = jobs, config
        self.max_seconds, self.max_tries, self.max_start_failures = max_seconds, max_tries, max_start_failures

    def run(self, tasks: list[Task], on_outcome: Callable[[Outcome], None]) -> None:
        """Grade `tasks`; `on_outcome` hears of each student once. After `max_start_failures`
        judges have died before loading the week, the remaining tasks are reported not graded."""
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        queue = Retries(tasks, on_outcome, self.max_tries)
        start_failures = 0

        def start() -> _Judge:
            env = _judge_env()
            os.environ.update(env)
            try:
                return _Judge(ctx, self.config)
            finally:
                for k in env:
                    del os.environ[k]

        judges = [start() for _ in range(min(self.jobs, len(queue.pending)))]
        try:
            while queue.pending or any(j.task for j in judges):
                if not judges:
                    queue.give_up(f"the judge processes could not start ({start_failures} died before loading "
                                  f"{self.config['week']})")
                    break
                for j in judges:
                    while j.task is None and queue.pending:
                        task = queue.next()
                        job = queue.job(task)
                        if job is None:
                            continue
                        j.task, j.since = task, time.monotonic()
                        try:
                            j.conn.send(job)
                        except OSError:
                            pass  # it has died: seen below, and the task goes back
                    if j.task is None:
                        j.stop()  # no more work for it
                judges = [j for j in judges if not (j.task is None and not queue.pending)]
                wait([x for j in judges for x in (j.conn, j.process.sentinel)], timeout=1.0)
                for j in judges:
                    if (self.max_seconds is not None and j.ready and j.task is not None and not j.overdue
                            and time.monotonic() - j.since > self.max_seconds):
                        j.overdue = True
                        j.process.kill()  # seen as dead below
                        j.process.join(5)
                for j in list(judges):
                    for msg in j.messages():
                        if msg[0] == "ready":
                            j.ready = True
                        elif j.task is not None:
                            task, j.task = j.task, None
                            queue.done(task, Outcome(**msg[1]))
                    if j.process.is_alive():
                        continue
                    judges.remove(j)
                    j.conn.close()
                    if j.task is not None and j.overdue:
                        queue.fault(j.task, f"grading took longer than {self.max_seconds:.0f} s and was stopped "
                                            "(a grader problem: every call into student code has its own limits)")
                    elif j.task is not None and j.ready:
                        queue.fault(j.task, f"the judge process died while grading it (exit code {j.process.exitcode})")
                    elif j.task is not None:
                        queue.unsent(j.task)  # it never started on it
                    if not j.ready:
                        start_failures += 1
                    if queue.pending and start_failures < self.max_start_failures:
                        judges.append(start())
        finally:
            for j in judges:
                j.stop()


__all__ = ["Task", "Retries", "LocalExecutor", "InlineExecutor", "student_seconds", "MAX_TRIES", "ERROR", "INFRASTRUCTURE"]
