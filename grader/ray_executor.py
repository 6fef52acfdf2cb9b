"""``--executor ray``: a cohort's jobs graded on a Ray cluster (`grader.executors`).

``pip install 'dlgrade[ray]'`` on the driver and on every node (the same dlgrade: a worker
whose grader differs from the driver's refuses its jobs). The driver joins the cluster at
``--ray-address`` or ``$RAY_ADDRESS``, else starts a local one (``ray.init()``, without its dashboard
and with Ray's usage statistics off unless ``RAY_USAGE_STATS_ENABLED`` says otherwise), and shuts
down only a cluster it started.

Nothing needs a shared file system. The week's course files (assignment, reference solution,
stubs) and the course secret travel once, as bytes in Ray's object store (`course_bundle`);
each worker unpacks them into its node's temporary folder, once per version. Each submission
travels as a `grader.jobs.Job` (its module files' bytes); the outcome comes back to the driver,
which alone writes results (`grader.store.Store`).

Each job asks for one CPU, and one GPU when the week trains on the GPU (`Week.trains`, the device
is not "cpu") and the cluster has GPUs. At most ``--jobs`` jobs are in flight (default: the
cluster's CPUs, or its GPUs when jobs take one). Ray's own retries are off (``max_retries=0``):
a worker or node that dies, an object lost, or a job with no answer within ``--student-timeout``
(cancelled) costs one attempt, and the executor's bounded retries (`grader.executors.Retries`)
decide what follows; an exception raised by the grader itself is not retried.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Callable

from .course import Week
from .executors import MAX_TRIES, Retries, Task, grader_for
from .jobs import ERROR, INFRASTRUCTURE, Job, Outcome
from .provenance import grader_digest
from .store import BatchError

INSTALL = "pip install 'dlgrade[ray]'"


def require_ray():
    """The ray module; BatchError saying how to install it when it is missing."""
    try:
        import ray
    except ImportError as e:
        raise BatchError(f"--executor ray needs Ray ({e}); install it with: {INSTALL}") from None
    return ray


def course_bundle(week: Week) -> dict:
    """What a worker needs of the course to grade `week`: a zip of ``assignments/<week>/``,
    ``solutions/<week>/`` and ``student_template/<week>/`` (Python files, the rubric), its sha256,
    and the course secret (the held-out data are the driver's)."""
    from .heldout import course_secret

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for folder in (week.assignment_dir, week.solution_dir, week.template_dir):
            if not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                if path.is_file() and not path.is_symlink() and path.suffix in (".py", ".toml"):
                    info = zipfile.ZipInfo(path.relative_to(week.root).as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
                    zf.writestr(info, path.read_bytes())
    data = buf.getvalue()
    return {"week": week.name, "zip": data, "sha256": hashlib.sha256(data).hexdigest(), "secret": course_secret()}


_COURSES: dict[str, Week] = {}


def _week_on_worker(bundle: dict) -> Week:
    """The week of `bundle`, unpacked once per version into this node's temporary folder (the
    run's scratch folder, which the driver removes at the end when it is on this machine; under
    bubblewrap student code never sees it: `Week.root` is hidden from the sandbox)."""
    digest = bundle["sha256"]
    root = Path(tempfile.gettempdir()) / f"dlgrade-course-{digest[:24]}"
    if digest in _COURSES and (root / "assignments").is_dir():
        return _COURSES[digest]
    if not (root / "assignments").is_dir():
        staging = Path(tempfile.mkdtemp(prefix=f".{root.name}-"))
        with zipfile.ZipFile(io.BytesIO(bundle["zip"])) as zf:
            zf.extractall(staging)
        try:
            os.rename(staging, root)
        except OSError:  # another worker of this node was first
            import shutil

            shutil.rmtree(staging, ignore_errors=True)
    _COURSES[digest] = Week.load(bundle["week"], root)
    return _COURSES[digest]


def grade_on_worker(bundle: dict, job: Job, config: dict) -> dict:
    """A Ray task: grade `job` on this node and return its outcome as a dict."""
    if grader_digest() != config["grader"]:
        return Outcome(INFRASTRUCTURE, job.student, job.fingerprint,
                       why="this Ray node's dlgrade differs from the driver's (install the same version on every "
                           "node)").to_dict()
    os.environ["DLGRADE_SECRET"] = bundle["secret"].decode()
    scratch = Path(config["scratch"])
    try:
        scratch.mkdir(mode=0o700, parents=True, exist_ok=True)
        tempfile.tempdir = str(scratch)  # the driver's scratch folder when on its machine: removed at the end
    except OSError:
        tempfile.tempdir = None
    hidden = tuple(p for p in (config["course"],) if os.path.isdir(p))  # the driver's course, on its machine
    return grader_for(_week_on_worker(bundle), config, hidden=hidden)(job).to_dict()


class RayExecutor:
    """Jobs as Ray tasks (see the module's docstring)."""

    name = "ray"

    def __init__(self, week: Week, config: dict, *, address: str | None = None, jobs: int | None = None,
                 max_seconds: float | None = None, max_tries: int = MAX_TRIES):
        self.week, self.config = week, config
        self.address = address or os.environ.get("RAY_ADDRESS") or None
        self.jobs, self.max_seconds, self.max_tries = jobs, max_seconds, max_tries

    def _connect(self, ray) -> bool:
        """Join or start the cluster; True when this run started it (and so shuts it down)."""
        if ray.is_initialized():
            return False
        try:
            if self.address:
                ray.init(address=self.address, log_to_driver=False, logging_level="ERROR")
            else:  # a cluster of our own sends Ray's usage statistics nowhere, unless the user asked for them
                os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
                ray.init(include_dashboard=False, log_to_driver=False, logging_level="ERROR")
        except Exception as e:
            where = f"join the Ray cluster at {self.address}" if self.address else "start a local Ray cluster"
            raise BatchError(f"could not {where} ({type(e).__name__}: {e})") from None
        return True

    def resources(self, ray) -> dict:
        """The resources each job asks for, and how many jobs may be in flight."""
        cluster = ray.cluster_resources()
        gpus = int(cluster.get("GPU", 0))
        if self.config["options"]["device"] == "cuda" and not gpus:
            raise BatchError("--device cuda, but the Ray cluster has no GPU (pass --device auto or cpu)")
        gpu = gpus > 0 and self.week.trains and self.config["options"]["device"] != "cpu"
        slots = gpus if gpu else max(1, int(cluster.get("CPU", 1)))
        return {"num_cpus": 1, "num_gpus": 1 if gpu else 0, "in_flight": self.jobs or slots}

    def run(self, tasks: list[Task], on_outcome: Callable[[Outcome], None]) -> None:
        ray = require_ray()
        started_here = self._connect(ray)
        try:
            wants = self.resources(ray)
            remote = ray.remote(grade_on_worker).options(num_cpus=wants["num_cpus"], num_gpus=wants["num_gpus"],
                                                         max_retries=0)
            course = ray.put(course_bundle(self.week))
            config = {**self.config, "grader": grader_digest()}  # what a worker's grader must match
            self._loop(ray, remote, course, config, Retries(tasks, on_outcome, self.max_tries), wants["in_flight"])
        finally:
            if started_here:
                ray.shutdown()

    def _loop(self, ray, remote, course, config: dict, queue: Retries, limit: int) -> None:
        in_flight: dict = {}  # ObjectRef -> (task, when it was sent)
        try:
            while queue.pending or in_flight:
                while queue.pending and len(in_flight) < limit:
                    task = queue.next()
                    job = queue.job(task)
                    if job is not None:
                        in_flight[remote.remote(course, job, config)] = (task, time.monotonic())
                ready, _ = ray.wait(list(in_flight), num_returns=1, timeout=1.0)
                for ref in ready:
                    task, _ = in_flight.pop(ref)
                    try:
                        outcome = Outcome(**ray.get(ref))
                    except ray.exceptions.RayTaskError as e:  # the grader raised: it would again
                        queue.done(task, Outcome(ERROR, task.student, task.fingerprint,
                                                 why=f"the grader failed on the Ray worker ({str(e).splitlines()[0][:300]})"))
                    except ray.exceptions.RayError as e:  # a worker or node died, an object was lost
                        queue.fault(task, f"the Ray worker grading it was lost ({type(e).__name__})")
                    else:
                        queue.done(task, outcome)
                if self.max_seconds is None:
                    continue
                now = time.monotonic()
                for ref, (task, since) in list(in_flight.items()):
                    if now - since > self.max_seconds:
                        del in_flight[ref]
                        ray.cancel(ref, force=True)
                        queue.fault(task, f"no answer from the Ray worker within {self.max_seconds:.0f} s (a grader "
                                          "or node problem: every call into student code has its own limits)")
        finally:
            for ref in in_flight:
                ray.cancel(ref, force=True)
