"""Grading one submission: every check of a week against one student's folder.

The engine knows nothing about any particular week. It loads the week's checks,
starts a sandbox on the submission, and runs each exercise's checks against a
fresh worker, turning whatever happens (a pass, a wrong answer, an exception in
student code, a timeout, a crash, a stub) into exactly one `CheckResult` per check.

The exercises of a NumPy-only module (the rubric's default, see `Week.numpy_only`)
run in a sandbox of their own that has NumPy and nothing else (`grader.numpy_only`);
the others in one that preloads the week's libraries. Only the kinds the graded
exercises need are started (one for a week whose modules are all NumPy-only), all at
the first exercise, so that a server importing torch starts while the NumPy-only
exercises are graded.
"""

from __future__ import annotations

import math
import numbers
import time
import traceback
from pathlib import Path
from typing import Callable

from . import heldout
from . import numpy_only
from .course import Week
from .isolation import memory_cgroup_available, resolve_mode
from .registry import Check, CheckFailed, Partial, Reference, ReferenceUnavailable, load_checks
from .sandbox import (BadResult, ForbiddenLibrary, Limits, NotImplementedYet, Sandbox, SandboxError, Session,
                      StudentCrash, StudentError, StudentProblem, StudentTimeout)
from .report import render_failure, submission_label
from .scoring import ERROR, FAILED, NOT_IMPLEMENTED, PASSED, PUBLIC, TIMEOUT, CheckResult, GradeReport

CLOCK = time.monotonic


def select_device(requested: str = "auto") -> str:
    """'cuda' when asked for or when available under 'auto', else 'cpu'."""
    if requested not in ("auto", "cpu", "cuda"):
        raise ValueError(f"unknown device {requested!r} (auto, cpu or cuda)")
    if requested == "cpu":
        return "cpu"
    try:
        import torch

        available = torch.cuda.is_available()
    except ImportError:
        available = False
    if requested == "cuda" and not available:
        raise ValueError("--device cuda was asked for, but no CUDA device is available")
    return "cuda" if available else "cpu"


CPU_INSTEAD_OF_CUDA = ("Training ran on the CPU although a CUDA device is available: a CUDA process cannot run under "
                       "the address-space limit (RLIMIT_AS) that bounds a worker's memory on the CPU, and this host "
                       "does not let the grader create the memory cgroup that bounds it on a GPU. Grade where the "
                       "grader may create cgroups (usually as root), or pass --device cuda to train on the GPU with "
                       "student code's memory unbounded.")


def training_device(requested: str = "auto") -> tuple[str, str]:
    """The device training runs on (`select_device`), and a note for the instructor when it is not
    the one `requested` would have given. A worker on CUDA has no address-space limit; its memory is
    bounded by the sandbox's memory cgroup (`grader.sandbox.worker_limits`). Where none can be made,
    "auto" keeps the bound and trains on the CPU, saying so; "cuda", asked for by name, trains on the
    GPU unbounded (the sandbox says so, loudly)."""
    device = select_device(requested)
    if device == "cuda" and requested == "auto" and not memory_cgroup_available():
        return "cpu", CPU_INSTEAD_OF_CUDA
    return device, ""


def ordered_exercises(week: Week, checks: list[Check]) -> list[str]:
    """Exercise ids in teaching order (the order of the stubs), then any others."""
    order = list(week.exercise_modules)
    for c in checks:
        if c.exercise not in order:
            order.append(c.exercise)
    return [e for e in order if any(c.exercise == e for c in checks)]


def run_order(checks: list[Check]) -> list[Check]:
    """One exercise's checks in the order they run and are reported: its public checks, then its
    hidden ones, each in declaration order. A public check's message reaches the student at once
    (`dlgrade check`, Gradescope's visible tests); run before every hidden check of the exercise,
    it cannot carry what student code saw of a hidden check's inputs. Earlier exercises cannot
    pass them on either: each exercise has its own worker, started with an empty /tmp."""
    return sorted(checks, key=lambda c: c.visibility != PUBLIC)  # stable: declaration order within each


def grade_submission(week: Week, submission_dir: str | Path, *, mode: str = "grade", device: str = "auto",
                     limits: Limits | None = None, progress: Callable[[str, int, int], None] | None = None,
                     only: set[str] | None = None,
                     on_training: Callable[[str, dict], None] | None = None, root: str | Path | None = None,
                     refused: dict[str, str] | None = None, hidden: tuple[str | Path, ...] = ()) -> GradeReport:
    """Grade `submission_dir` for `week`.

    `mode` is "grade" (public and hidden checks; the reference solution is
    available to hidden checks) or "check" (public checks only, as a student runs
    them). `device` (auto, cpu or cuda) is where training runs (`training_device`).
    `only` limits grading to those exercise ids. `on_training(exercise,
    info)` receives the progress of training runs (epoch, epochs, loss, elapsed).
    `root` is the student's own entry when grading a class (their folder, holding
    `submission_dir` or equal to it): no symbolic link is followed from it down, so a
    link to someone else's files grades nothing. Without it the path is the
    instructor's and is followed as given; module files that are links are never read.
    `refused` maps a module to why it must not be graded (its exercises score zero with
    that message). `hidden`: more folders student code must not see, besides the course (a Ray
    worker's unpacked copy of the course is `week.root`; the driver's course is hidden too).
    Returns a GradeReport with one result per check, in the order they ran:
    exercises in teaching order, and within each its public checks, then its hidden ones
    (`run_order`). Notes for the student go to `notes`; what only the instructor may see (that
    student code was not isolated, that it killed the sandbox) to `instructor_notes`. Never raises for
    anything the submission does.
    """
    if mode not in ("grade", "check"):
        raise ValueError(f"unknown mode {mode!r}")
    started = CLOCK()
    submission_dir = Path(submission_dir)
    checks = load_checks(week.assignment_dir, include_hidden=(mode == "grade"))
    limits = limits or Limits.from_rubric(week.rubric)
    solution_dir = week.solution_dir if mode == "grade" and week.solution_dir.is_dir() else None
    device, device_note = training_device(device)
    ref = Reference(solution_dir, week.name, device, week.rubric)
    exercises = [e for e in ordered_exercises(week, checks) if only is None or e in only]
    if only is not None and set(only) - set(exercises):
        raise ValueError(f"no checks for {', '.join(sorted(set(only) - set(exercises)))} in {week.name}")
    report = GradeReport(week=week.name, submission=submission_label(submission_dir, week.name), results=[], mode=mode)
    # The course, and the data sets libraries ship (a copy of the digits must not be at hand).
    forbidden = [week.root, week.root / "solutions", week.root / "assignments", *heldout.shipped_data_dirs(),
                 *map(Path, hidden)]
    preload = tuple(week.rubric["week"].get("preload", ["numpy"]))
    numpy_modules = week.numpy_only

    def make_sandbox(numpy_only: bool) -> Sandbox:
        return Sandbox(submission_dir, week.name, week.modules, limits, preload=preload, forbidden=forbidden,
                       numpy_only=numpy_only, root=root, refused=refused, device=device)

    def numpy_only(exercise: str) -> bool:
        # An exercise outside every module's stubs may call any module: NumPy only when they all are.
        module = week.exercise_modules.get(exercise)
        return module in numpy_modules if module else set(week.modules) <= numpy_modules

    with _Sandboxes(make_sandbox, [numpy_only(e) for e in exercises]) as sandboxes:
        broken_modules: dict[str, tuple[str, str]] = {}
        for n, exercise in enumerate(exercises):
            if progress:
                progress(exercise, n, len(exercises))
            mine = run_order([c for c in checks if c.exercise == exercise])
            module = week.exercise_modules.get(exercise)
            sandbox = sandboxes.get(numpy_only(exercise))
            report_progress = (lambda info, ex=exercise: on_training(ex, info)) if on_training else None
            report.results += _grade_exercise(sandbox, mine, module, ref, limits, broken_modules, report_progress)
    report.isolation, warning = sandboxes.isolation(limits)
    if warning:
        report.instructor_notes.append(warning)
    if device_note and not all(numpy_only(e) for e in exercises):  # NumPy-only exercises never train on a GPU
        report.instructor_notes.append(device_note)
    report.instructor_notes += sandboxes.memory_warnings()
    report.notes += list(dict.fromkeys(msg for msg in sandboxes.staged().values() if msg != "ok"))  # a link: one note
    if sandboxes.restarts:
        report.instructor_notes.append(f"The process that runs student code was killed {sandboxes.restarts} time(s) "
                                       "during grading (by the submission?) and was restarted.")
    report.execution_time = CLOCK() - started
    return report


class _Sandboxes:
    """The sandboxes of one submission: one NumPy-only, one for the other modules, each only if an
    exercise to grade needs it (`kinds`: numpy_only per exercise, in grading order)."""

    def __init__(self, make: Callable[[bool], Sandbox], kinds: list[bool]):
        self._make = make
        self._kinds = list(dict.fromkeys(kinds))  # each kind once, the first needed first
        self._open: dict[bool, Sandbox] = {}  # numpy_only -> its sandbox, in the order they were started

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for sandbox in self._open.values():
            sandbox.close()

    def get(self, numpy_only: bool) -> Sandbox:
        """The sandbox of that kind, started. The first call launches every kind needed, so that
        the servers start together (the NumPy-only one in a fraction of a second, one that imports
        torch in a second or two, while the first exercises are graded)."""
        for kind in dict.fromkeys([numpy_only, *self._kinds]):
            if kind not in self._open:
                sandbox = self._make(kind)
                self._open[kind] = sandbox  # closed at exit even if it fails to start
                sandbox.start(wait=False)
        sandbox = self._open[numpy_only]
        sandbox.ready()
        return sandbox

    def isolation(self, limits: Limits) -> tuple[str, str]:
        """How student code was confined, and the warning to give when it was not (every sandbox
        resolves the same mode)."""
        first = next(iter(self._open.values()), None)
        if first is not None:
            return first.isolation, first.isolation_warning
        try:  # nothing was graded: what would have been used
            return resolve_mode(limits.isolation)
        except (ValueError, RuntimeError) as e:
            raise SandboxError(str(e)) from None

    def memory_warnings(self) -> list[str]:
        """What the sandboxes said about memory they could not bound (a GPU host without cgroups), once."""
        return list(dict.fromkeys(s.memory_warning for s in self._open.values() if s.memory_warning))

    def staged(self) -> dict[str, str]:
        """module -> "ok" or why it could not be used (every sandbox stages the same files)."""
        first = next(iter(self._open.values()), None)
        return first.staged if first is not None else {}

    @property
    def restarts(self) -> int:
        return sum(sandbox.restarts for sandbox in self._open.values())


def _grade_exercise(sandbox: Sandbox, checks: list[Check], module: str | None, ref: Reference, limits: Limits,
                    broken_modules: dict, on_progress=None) -> list[CheckResult]:
    session = Session(sandbox, budget=limits.exercise_seconds)
    session.on_progress = on_progress
    results = []
    try:
        if module is not None and module not in broken_modules:
            status, message = _import_status(sandbox, session, module)
            if status != PASSED:
                broken_modules[module] = (status, message)
        if module in broken_modules:
            status, message = broken_modules[module]
            return [_result(c, status, 0.0, message) for c in checks]
        for c in checks:
            results.append(_run_check(c, session, ref, module))
    finally:
        session.close()
    return results


def _import_status(sandbox: Sandbox, session: Session, module: str) -> tuple[str, str]:
    staged = sandbox.staged.get(module, "ok")
    if staged != "ok":
        return ERROR, staged
    problem = None
    try:
        session.import_module(module)
    except ForbiddenLibrary as e:
        return ERROR, _with_traceback(numpy_only.message(module, e.library, at_import=True), e)
    except StudentProblem as e:
        problem = e
    loaded = session.loaded_libraries()  # without bubblewrap: what importing it loaded (even if it then timed out)
    if loaded:
        return ERROR, numpy_only.message(module, loaded[0], at_import=True)
    if isinstance(problem, StudentTimeout):
        return TIMEOUT, f"importing {module}.py did not finish within {session.limits.import_seconds:.0f} s " \
                        f"(is there a loop or a long computation at module level?)"
    if problem is not None:
        return ERROR, f"{module}.py could not be imported: {problem.message}"
    return PASSED, ""


def _result(c: Check, status: str, fraction: float, output: str, seconds: float = 0.0,
            mistake: str | None = None) -> CheckResult:
    return CheckResult(id=c.exercise, name=c.name, status=status, score=fraction * c.points, max_score=c.points,
                       output=render_failure(output, mistake), visibility=c.visibility, seconds=seconds,
                       mistake=mistake or "")


def _with_traceback(text: str, e: StudentError) -> str:
    return f"{text}\n{e.traceback}" if e.traceback else text


def _run_check(c: Check, session: Session, ref: Reference, module: str | None = None) -> CheckResult:
    """Run one check and map its outcome to a result; nothing escapes. In a NumPy-only module, a
    library it may not use fails the check, whatever the check concluded, when the worker has loaded
    it (without bubblewrap; the worker keeps it, so the exercise's later checks fail too), and its
    failed import (under bubblewrap) replaces the message of a check that did not pass."""
    t0 = CLOCK()
    check_ref = ref if c.visibility == "hidden" else ref.public()
    session.call_limit = c.timeout
    session.forbidden = None
    mistake = None
    try:
        outcome = c.fn(session, check_ref)
    except NotImplementedYet as e:
        raised = e.text or c.exercise
        # a check of one exercise that runs another's code (week 6's captioner is built by the code of its
        # quality exercise) names both
        needs = "" if raised == c.exercise else f"{c.exercise} needs {raised}, which "
        status, frac, msg = NOT_IMPLEMENTED, 0.0, f"Not implemented yet: {needs or raised + ' '}still raises NotImplementedError."
    except StudentTimeout as e:
        status, frac, msg = TIMEOUT, 0.0, f"Your code {e.message}."
    except StudentCrash as e:
        status, frac, msg = ERROR, 0.0, f"{e.message[0].upper()}{e.message[1:]}.{_tail(session)}"
    except StudentError as e:
        status, frac, msg = ERROR, 0.0, f"Your code raised an exception: {e.message}"
    except BadResult as e:
        status, frac, msg = FAILED, 0.0, f"Your code {e.message}."
    except CheckFailed as e:
        status, frac, msg, mistake = FAILED, 0.0, str(e), getattr(e, "mistake", None)
    except ReferenceUnavailable as e:
        status, frac, msg = ERROR, 0.0, f"Grader problem, not yours: {e}."
    except Exception as e:  # a bug in the check itself: deny, and say it is the grader's
        tb = traceback.format_exception_only(type(e), e)[-1].strip()
        status, frac, msg = ERROR, 0.0, f"Internal grader error in check {c.fn.__name__} ({tb}); please tell your instructor."
    else:
        if outcome is None:
            status, frac, msg = PASSED, 1.0, ""
        elif isinstance(outcome, Partial) and _is_fraction(outcome.fraction):
            frac = min(max(float(outcome.fraction), 0.0), 1.0)
            status, msg = (PASSED if frac >= 1.0 else FAILED), outcome.message
        elif isinstance(outcome, Partial):
            status, frac, msg = ERROR, 0.0, (f"Internal grader error: check {c.fn.__name__} gave partial credit "
                                             f"{outcome.fraction!r}, which is not a number; please tell your instructor.")
        else:
            status, frac, msg = ERROR, 0.0, f"Internal grader error: check {c.fn.__name__} returned {type(outcome).__name__}."
    finally:
        session.call_limit = None
    loaded = session.loaded_libraries()
    where = module or c.exercise.split(".", 1)[-1]
    if loaded:
        status, frac, msg, mistake = ERROR, 0.0, numpy_only.message(where, loaded[0]), None
    elif session.forbidden is not None and status != PASSED:
        status, frac, mistake = ERROR, 0.0, None
        msg = _with_traceback(numpy_only.message(where, session.forbidden.library), session.forbidden)
    return _result(c, status, frac, msg, CLOCK() - t0, mistake)


def _is_fraction(value) -> bool:
    """A real, finite number (partial credit must be one)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _tail(session: Session) -> str:
    out = session.output().strip()
    if not out:
        return ""
    lines = out.splitlines()[-5:]
    return "\nLast lines your code printed:\n" + "\n".join(line[:300] for line in lines)


__all__ = ["grade_submission", "select_device", "training_device", "SandboxError"]
