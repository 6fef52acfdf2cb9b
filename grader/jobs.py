"""One student's grading as it travels to a worker, and what comes back (`grader.cohort`).

The driver reads a submission into a `Job` (`pack`): the bytes of each module file, or why it
cannot be graded (a link, missing, too large: `grader.sandbox.read_modules`, no link followed
from the student's entry down), and the notes found on the way (a zip that could not be read,
no week files at all). A job is plain data: it reaches a worker on another machine as bytes, and
the worker never reads the driver's paths. The worker grades it (`run_job`) and sends back an
`Outcome`; the driver alone writes results (`grader.store.Store`).

Outcomes are of three kinds. "graded": a report, final whatever it says (a timeout, a crash, an
out-of-memory, a wrong answer are the student's, and are in it). "infrastructure": the grading
could not run (the sandbox could not start; the executor adds a worker or node that died, or
never answered); the executor tries again a bounded number of times, then reports the student
as not graded, never a zero. "error": the grader itself failed on this submission; reported,
not retried (it would fail again).
"""

from __future__ import annotations

import os
import random
import signal
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .course import Week
from .discovery import Submission, missing_week_files, unpacked
from .provenance import Vetting
from .report import printable
from .sandbox import SandboxError, read_modules

GRADED, INFRASTRUCTURE, ERROR = "graded", "infrastructure", "error"

# Test hooks (read by the driver from its environment and sent with the run's settings, so that
# a worker on any machine sees them): a student id listed (comma-separated) in one of these makes
# its worker kill itself, hang, or fail to start a sandbox, at every attempt; KILL_ONCE kills only
# the first attempt (a marker file in the folder HOOK_DIR records it).
KILL_JUDGE_ENV = "DLGRADE_TEST_KILL_JUDGE"
KILL_ONCE_ENV = "DLGRADE_TEST_KILL_JUDGE_ONCE"
HANG_JUDGE_ENV = "DLGRADE_TEST_HANG_JUDGE"
NO_SANDBOX_ENV = "DLGRADE_TEST_NO_SANDBOX"
HOOK_DIR_ENV = "DLGRADE_TEST_HOOK_DIR"
HOOK_ENVS = (KILL_JUDGE_ENV, KILL_ONCE_ENV, HANG_JUDGE_ENV, NO_SANDBOX_ENV, HOOK_DIR_ENV)


@dataclass
class Job:
    """What a worker needs to grade one student: module -> bytes or why it is not graded."""

    student: str
    fingerprint: str
    modules: dict[str, bytes | str]
    notes: list[str] = field(default_factory=list)  # for the student, put before the grader's


@dataclass
class Outcome:
    """What came back from one attempt at a job (see the module's docstring)."""

    kind: str
    student: str
    fingerprint: str
    report: dict | None = None  # GradeReport.to_dict() when graded
    why: str = ""  # when not graded

    def to_dict(self) -> dict:
        return asdict(self)


def pack(week: Week, sub: Submission, fingerprint: str, vetting: Vetting | None = None) -> Job:
    """Read `sub` into a job: its module files (a zip's extracted first, `unpacked`), never
    through a link from the student's entry down; modules `vetting` refused are not read."""
    vetting = vetting or Vetting()
    with unpacked(week, sub) as (folder, root, notes):  # extract_zip opens no link
        missing = missing_week_files(week, sub, folder, shown_as=sub.entry.name if sub.entry else None)
        modules = read_modules(folder, week.modules, root, vetting.refused)
    return Job(sub.student, fingerprint, modules, notes + ([f"Nothing was graded: {missing}"] if missing else []))


def hooks_from_environment() -> dict[str, str]:
    return {k: os.environ[k] for k in HOOK_ENVS if os.environ.get(k)}


def _hook(hooks: dict[str, str], name: str, student: str) -> bool:
    if student not in hooks.get(name, "").split(","):
        return False
    if name != KILL_ONCE_ENV:
        return True
    try:  # O_EXCL: only the first attempt finds no marker
        os.close(os.open(Path(hooks[HOOK_DIR_ENV]) / f"killed-{student}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return True
    except FileExistsError:
        return False


def _reset_random_state() -> None:
    """Global random generators to a fixed state, so a student's grading never depends on
    whom the same worker graded before."""
    random.seed(0)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(0)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(0)


def run_job(week: Week, job: Job, *, device: str = "auto", limits=None, hooks: dict[str, str] | None = None,
            hidden: tuple[str, ...] = ()) -> Outcome:
    """Grade `job` here (its files written to a temporary folder, graded by
    `grader.engine.grade_submission` in a sandbox, which never sees `hidden` either) and return
    the outcome. Never raises for anything the submission does."""
    from .engine import grade_submission

    hooks = hooks or {}
    if _hook(hooks, KILL_JUDGE_ENV, job.student) or _hook(hooks, KILL_ONCE_ENV, job.student):
        os.kill(os.getpid(), signal.SIGKILL)
    if _hook(hooks, HANG_JUDGE_ENV, job.student):
        if threading.current_thread() is threading.main_thread():  # a Ray task may run in another thread
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            time.sleep(60)
    _reset_random_state()
    with tempfile.TemporaryDirectory(prefix="dlgrade-job-") as tmp:
        folder = Path(tmp) / "submission"
        folder.mkdir()
        refused = {}
        for module, data in job.modules.items():
            if isinstance(data, bytes):
                (folder / f"{module}.py").write_bytes(data)
            else:
                refused[module] = data
        try:
            if _hook(hooks, NO_SANDBOX_ENV, job.student):
                raise SandboxError("the sandbox process did not start (test hook)")
            report = grade_submission(week, folder, mode="grade", device=device, limits=limits, refused=refused,
                                      hidden=hidden)
        except SandboxError as e:  # before any student code ran: this machine's fault, not the student's
            return Outcome(INFRASTRUCTURE, job.student, job.fingerprint,
                           why=f"the sandbox could not run ({printable(str(e)).splitlines()[0][:300]})")
        except Exception as e:  # a grader problem, not the student's
            line = traceback.format_exception_only(type(e), e)[-1].strip()
            return Outcome(ERROR, job.student, job.fingerprint, why=f"the grader failed: {printable(line)[:500]}")
    report.submission = job.student
    report.notes = job.notes + report.notes
    return Outcome(GRADED, job.student, job.fingerprint, report=report.to_dict())
