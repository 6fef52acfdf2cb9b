"""Running student code out of process, and driving it through plain data.

The judging process never imports student code. A `Sandbox` copies the week's
module files of one submission into a private temporary folder and starts a fork
server (`grader/child.py`) under ``python -I -S`` whose import path holds that
folder and the installed libraries only: not the course, not the reference
solutions, not the checks, not this package. The server runs under bubblewrap
(see `grader.isolation`) where it can: its own user, PID and network namespaces,
a read-only view of the system and the Python installation, a private tmpfs, and
nothing else of the file system. Each exercise gets a `Worker`, a fresh process
forked from the server in its own session, with limits on memory, CPU time,
processes and file size, its output captured and capped, and a wall-clock
timeout on every call after which every process it started is killed. A worker
that trains on a GPU has no address-space limit, which CUDA cannot run under: the
sandbox's memory cgroup bounds its memory instead (see `worker_limits`).

A NumPy-only sandbox (``numpy_only=True``, for the modules a week's rubric keeps to
NumPy and the standard library) preloads NumPy alone and, under bubblewrap, sees no
third-party package but NumPy; without bubblewrap the judge reads which libraries
its workers have loaded (see `grader.numpy_only`).

A check talks to the worker through a `Session` (the ``sub`` argument of every
check): ``sub.optimizers.Adam(params, lr=0.1)`` calls the student's class in the
worker; plain data comes back by value, anything else as a `Handle` whose
methods and attributes are reached the same way.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from . import isolation, wire
from .child import empty_folder
from .numpy_only import forbidden_import, import_path, loaded_libraries, package_folders, package_view

HERE = Path(__file__).resolve().parent
CLOCK = time.monotonic
SHM = "/dev/shm"  # under bubblewrap a small tmpfs of the sandbox's own (grader.isolation), writable like /tmp


@dataclass
class Limits:
    """Resource limits for student code; a week's rubric may override any of them
    under ``[limits]``. Every value is checked when the limits are made (`check_limit`):
    ValueError names the limit and what it must be."""

    memory_mb: int = 4096  # address space of one worker (RLIMIT_AS); on CUDA, see `worker_limits`
    call_seconds: float = 20.0  # wall time of one call into student code
    exercise_seconds: float = 60.0  # wall time of all checks of one exercise together
    import_seconds: float = 10.0  # wall time to import one student module
    cpu_seconds: int = 600  # CPU time of one worker (RLIMIT_CPU)
    file_mb: int = 64  # largest file a worker may write (RLIMIT_FSIZE)
    output_kb: int = 64  # stdout+stderr kept per worker; the rest is read and dropped
    message_mb: int = 256  # largest result that may cross the boundary
    threads: int = 1  # BLAS/OpenMP threads of a worker
    start_seconds: float = 60.0  # time for the fork server to start
    processes: int = 512  # processes and threads of a worker's user (RLIMIT_NPROC); under bubblewrap only
    tmp_mb: int = 256  # size of the private writable /tmp; under bubblewrap only
    total_memory_mb: int = 6144  # memory of all the sandbox's processes and its /tmp (memory cgroup, where one can be made)
    isolation: str = "auto"  # "bubblewrap", "rlimits", or "auto": bubblewrap where it runs, else rlimits, loudly

    def __post_init__(self):
        for name in self.__dataclass_fields__:
            problem = check_limit(name, getattr(self, name))
            if problem:
                raise ValueError(f"the limit {name} {problem}")

    @classmethod
    def from_rubric(cls, rubric: dict, **overrides) -> "Limits":
        """The rubric's ``[limits]`` with `overrides` (the command line's, by field name; None: not
        given) on top. ValueError names the rubric key or the command-line option that is wrong."""
        table = rubric.get("limits", {})
        if not isinstance(table, dict):
            raise ValueError(f"the rubric's [limits] must be a table of settings, not {table!r}")
        given = {k: v for k, v in overrides.items() if v is not None}
        values = {**table, **given}
        unknown = set(values) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown limits {sorted(unknown)}")
        for name, value in values.items():
            problem = check_limit(name, value)
            if problem:
                where = OPTIONS.get(name, f"the limit {name}") if name in given else f"the rubric's [limits] {name}"
                raise ValueError(f"{where} {problem}")
        return cls(**values)


# The command-line options that override a limit, named in the messages about their values.
OPTIONS = {"call_seconds": "--call-timeout", "memory_mb": "--memory-mb", "isolation": "--isolation"}
# The least value of each limit that is a whole number, and its unit; the others are seconds, any number
# above 0. A worker that starts Python and NumPy needs well over 100 MB of address space: 256 MB catches a
# value meant in GB while letting a NumPy-only week run tight.
WHOLE_LIMITS = {"memory_mb": (256, "MB"), "cpu_seconds": (1, "seconds"), "file_mb": (1, "MB"), "output_kb": (1, "KB"),
                "message_mb": (1, "MB"), "threads": (1, ""), "processes": (1, ""), "tmp_mb": (1, "MB"),
                "total_memory_mb": (256, "MB")}
# The largest value of any limit: about 31 years, or a petabyte. Beyond it a value is a typo, and it
# would overflow a socket timeout or an rlimit (a traceback, not a message).
MOST = 10**9


def check_limit(name: str, value) -> str:
    """What is wrong with `value` for the limit `name`, as the end of a sentence that names the
    limit ("must be at least 256 MB, got 100"), or "" when nothing is. Seconds: a real number above
    0; sizes and counts (`WHOLE_LIMITS`): a whole number (an int, not a bool or a float) from
    their least value; both at most `MOST`. Isolation: one of its modes."""
    if name == "isolation":
        return "" if value in isolation.MODES else f"must be one of {', '.join(isolation.MODES)}, got {value!r}"
    least, unit = WHOLE_LIMITS.get(name, (0, "seconds"))
    whole = name in WHOLE_LIMITS
    unit = f" {unit}" if unit else ""
    if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)) or value != value:
        return f"must be {'a whole number' if whole else 'a number'}{' of' + unit if unit else ''}, got {value!r}"
    if whole and value < least:
        return f"must be at least {least}{unit}, got {value!r}"
    if not whole and value <= 0:
        return f"must be more than 0{unit}, got {value!r}"
    if value > MOST:
        return f"must be at most {MOST:,}{unit}, got {value!r}"
    return ""


# ---------------------------------------------------------------------------
# What a worker's limits are on the CPU and on a GPU.
#
# A CUDA context reserves far more address space than any useful RLIMIT_AS (tens of GB of mappings for
# unified addressing, made when the driver starts), so a per-process address-space limit fails every
# training run on a GPU. The workers of a CUDA sandbox get none: their memory is bounded by the sandbox's
# memory cgroup instead (`total_memory_mb`, all its processes and its /tmp together), which counts memory
# used rather than address space reserved, and which a CUDA sandbox makes with or without bubblewrap.
# Where no memory cgroup can be made, ``--device auto`` trains on the CPU (`grader.engine.training_device`)
# and ``--device cuda`` trains on the GPU with memory unbounded, saying so loudly (`CUDA_UNBOUNDED`): an
# address-space limit generous enough for CUDA would bound nothing. RLIMIT_DATA is not used either: since
# Linux 4.7 it counts private writable mappings only (``is_data_mapping`` in the kernel's mm/internal.h),
# so address space merely reserved (PROT_NONE) escapes it, but whether every mapping the CUDA driver makes
# does is undocumented; it would want measuring on a GPU host before any grading relied on it.

CUDA = "cuda"
# Processes and threads a CUDA worker may start beyond `processes`: the driver starts a few threads per
# context, torch an autograd thread per device; 64 leaves room on a host with several GPUs.
CUDA_THREADS = 64
SERVER_PROCESSES = 3  # bwrap, its init and the fork server, in the sandbox's pids cgroup besides the workers
CUDA_UNBOUNDED = ("WARNING: student code's memory was NOT bounded on this GPU host: a CUDA process cannot run "
                  "under the address-space limit (RLIMIT_AS) that bounds a worker elsewhere, and no memory cgroup "
                  "could be made here, so a submission could take all the machine's memory. Grade where the "
                  "grader may create cgroups (usually as root), or pass --device cpu.")


def worker_limits(limits: Limits, device: str = "cpu", confined: bool = True) -> dict:
    """The resource limits a worker sets on itself (`grader.child`), as its spawn request carries
    them; a limit that is absent or 0 stays as the fork server has it. On the CPU: address space
    (`memory_mb`), CPU time, file size and processes, the last under bubblewrap only (`confined`):
    RLIMIT_NPROC counts every process of the user, the sandbox's alone only in a user namespace of
    its own. On CUDA: no address space limit (see above), and `CUDA_THREADS` more processes."""
    cuda = device == CUDA
    out = {"cpu_seconds": int(limits.cpu_seconds), "file_bytes": limits.file_mb << 20,
           "processes": (limits.processes + (CUDA_THREADS if cuda else 0)) if confined else 0}
    if not cuda:
        out["memory_bytes"] = limits.memory_mb << 20
    return out


def sandbox_processes(limits: Limits, device: str = "cpu") -> int:
    """The pids limit of a sandbox's cgroup: what one worker may start, and the sandbox's own processes."""
    return limits.processes + (CUDA_THREADS if device == CUDA else 0) + SERVER_PROCESSES


# ---------------------------------------------------------------------------
# What can go wrong on the student's side, as exceptions in the judge.


class StudentProblem(Exception):
    """Base of everything student code can cause; `message` is student-facing."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class StudentError(StudentProblem):
    """Student code raised an exception."""

    def __init__(self, info: dict, where: str = ""):
        self.type = str(info.get("type", "Exception"))
        self.text = str(info.get("message", ""))
        self.traceback = str(info.get("traceback", ""))
        self.memory = bool(info.get("memory"))
        msg = f"{self.type}: {self.text}" if self.text else self.type
        if where:
            msg = f"{where} raised {msg}"
        if self.traceback:
            msg += "\n" + self.traceback
        super().__init__(msg)


class NotImplementedYet(StudentError):
    """Student code raised NotImplementedError: the stub is still there."""


class ForbiddenLibrary(StudentError):
    """Student code in a NumPy-only module imported a library it may not use (`library`),
    which the sandbox does not have."""

    def __init__(self, info: dict, where: str, library: str):
        super().__init__(info, where=where)
        self.library = library


class StudentTimeout(StudentProblem):
    """A call into student code ran past its time limit and was killed."""


class StudentCrash(StudentProblem):
    """The worker process died (os._exit, a signal, the memory limit)."""


class BadResult(StudentProblem):
    """Student code returned something that is not plain data, or a malformed message."""


class SandboxError(Exception):
    """The sandbox itself could not run (not the student's fault)."""


# ---------------------------------------------------------------------------
# Reading a submission without following links.

MAX_MODULE_BYTES = 2_000_000
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


class LinkRefused(OSError):
    """A folder on the way to a submission's files is a symbolic link; `shown` names it
    (a path inside the student's entry, or "" for the entry itself)."""

    def __init__(self, shown: str):
        super().__init__(f"{shown or 'the submission'} is a symbolic link")
        self.shown = shown


def open_folder(folder: Path, root: Path | None = None) -> int:
    """A file descriptor of `folder`. Without `root`, `folder` is opened as given (links
    followed). With `root` (`folder` itself or a folder above it), the path up to root's
    parent is followed, then root and every folder below it down to `folder` are opened
    one at a time without following a link; a link raises LinkRefused. The caller closes
    the descriptor."""
    if root is None:
        return os.open(folder, _DIR_FLAGS)
    folder, root = Path(os.path.abspath(folder)), Path(os.path.abspath(root))
    parts = [root.name, *folder.relative_to(root).parts]
    fd = os.open(root.parent, _DIR_FLAGS)
    try:
        for n, part in enumerate(parts):
            try:
                child = os.open(part, _DIR_FLAGS | os.O_NOFOLLOW, dir_fd=fd)
            except OSError:
                if _is_link(part, fd):
                    raise LinkRefused("/".join(parts[1:n + 1])) from None
                raise
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def _is_link(name: str, dir_fd: int) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _read_module(folder: int, name: str) -> bytes | str:
    """The bytes of the regular file `name` of the open folder `folder`, never following a
    link; or why it cannot be graded (a student-facing sentence)."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=folder)
    except FileNotFoundError:
        return f"{name} is missing from the submission"
    except OSError as e:
        if _is_link(name, folder):
            return f"{name} is a symbolic link; submit the file itself"
        return f"{name} could not be read ({e.strerror})"
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return f"{name} is not a regular file"
        if st.st_size > MAX_MODULE_BYTES:
            return f"{name} is larger than 2 MB"
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read(MAX_MODULE_BYTES + 1)
        if len(data) > MAX_MODULE_BYTES:
            return f"{name} is larger than 2 MB"
        return data
    except OSError as e:
        return f"{name} could not be read ({e.strerror})"
    finally:
        os.close(fd)


def read_modules(submission_dir: str | Path, modules: list[str], root: str | Path | None = None,
                 refused: dict[str, str] | None = None) -> dict[str, bytes | str]:
    """module -> the bytes of ``<module>.py`` in `submission_dir`, or why it cannot be graded
    (a student-facing sentence): regular files only, each opened without following a symbolic
    link, relative to the folder it is in, so nothing can be swapped for a link between a check
    and the read. With `root` (the student's entry), the folders from it down to the module files
    are opened the same way: a link anywhere along the way (the entry itself, the week folder)
    leaves every module unread. `refused` modules are not read (its reason is given)."""
    refused = refused or {}
    try:
        folder = open_folder(Path(submission_dir), None if root is None else Path(root))
    except LinkRefused as e:
        what = f"{e.shown} in your submission" if e.shown else "Your submission"
        why = (f"{what} is a symbolic link, which grading never follows: nothing behind it was graded "
               "(submit the files themselves)")
        return {module: why for module in modules}
    except OSError as e:
        folder, unreadable = None, e
    out: dict[str, bytes | str] = {}
    try:
        for module in modules:
            name = f"{module}.py"
            if module in refused:
                out[module] = refused[module]
            elif folder is None:
                out[module] = (f"{name} is missing from the submission"
                               if isinstance(unreadable, (FileNotFoundError, NotADirectoryError))
                               else f"{name} could not be read ({unreadable.strerror})")
            else:
                out[module] = _read_module(folder, name)
    finally:
        if folder is not None:
            os.close(folder)
    return out


# ---------------------------------------------------------------------------


class Handle:
    """An object that lives in the worker. Call its methods like local ones
    (``h.step(grads)``); read attributes with ``h.get("params")``; index with
    ``h[0]``; bring it over with ``h.fetch()`` when it is plain data."""

    __slots__ = ("_session", "_worker", "_id", "type_name")

    def __init__(self, session: "Session", worker: "Worker", hid: int, type_name: str):
        self._session = session
        self._worker = worker
        self._id = hid
        self.type_name = type_name

    def __repr__(self):
        return f"<remote {self.type_name} #{self._id}>"

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return lambda *args, _keep=False, **kwargs: self._session._request(
            {"op": "method", "obj": self, "name": name, "args": list(args), "kwargs": kwargs, "keep": _keep},
            what=f"{self.type_name.rsplit('.', 1)[-1]}.{name}",
        )

    def get(self, name: str, keep: bool = False):
        return self._session._request({"op": "getattr", "obj": self, "name": name, "keep": keep}, what=f"reading .{name}")

    def __getitem__(self, key):
        return self._session._request({"op": "getitem", "obj": self, "key": key}, what="indexing the result")

    def fetch(self):
        return self._session.fetch(self)

    def collect(self, limit: int = 10_000) -> list:
        """Iterate the remote object to the end (at most `limit` items) and return the items."""
        return self._session.collect(self, limit)


class _Path:
    """``sub.optimizers.Adam``: a dotted name in the student's package, callable."""

    def __init__(self, session, path):
        self._session, self._path = session, path

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Path(self._session, f"{self._path}.{name}")

    def __call__(self, *args, _keep=False, **kwargs):
        return self._session.call(self._path, *args, _keep=_keep, **kwargs)


class Worker:
    """One forked process serving one exercise."""

    def __init__(self, sandbox: "Sandbox", pid: int, sock: socket.socket, out_fd: int):
        self.sandbox = sandbox
        self.pid = pid
        self.sock = sock
        self.alive = True
        self.exit_status: int | None = None
        self.libraries: list[str] = []  # in a NumPy-only sandbox: the forbidden libraries it had when killed
        self._out = bytearray()
        self._dropped = 0
        self._reader = threading.Thread(target=self._drain, args=(out_fd,), daemon=True)
        self._reader.start()

    def _drain(self, fd):
        cap = self.sandbox.limits.output_kb * 1024
        with os.fdopen(fd, "rb", buffering=0) as f:
            while True:
                chunk = f.read(65536)
                if not chunk:
                    return
                room = cap - len(self._out)
                self._out += chunk[: max(room, 0)]
                self._dropped += max(len(chunk) - max(room, 0), 0)

    @property
    def output(self) -> str:
        text = self._out.decode("utf-8", "replace")
        if self._dropped:
            text += f"\n… ({self._dropped} more bytes of output dropped)"
        return text

    def request(self, payload: bytes, timeout: float) -> bytes:
        """Send one request and read the first message of its answer (see `receive`)."""
        deadline = CLOCK() + max(timeout, 0.0)
        try:
            wire.send(self.sock, payload)
        except OSError:
            self.kill()
            raise StudentCrash(self.describe_death()) from None
        return self.receive(deadline, timeout)

    def receive(self, deadline: float, timeout: float) -> bytes:
        """The next message from the worker, by `deadline`; a timeout kills it."""
        try:
            return wire.recv(self.sock, self.sandbox.limits.message_mb << 20, deadline, CLOCK,
                             max_json=wire.MAX_JSON_BYTES)
        except TimeoutError:
            self.kill()
            raise StudentTimeout(f"did not finish within {round(timeout, 1):g} s and was stopped") from None
        except (EOFError, BrokenPipeError, ConnectionError, OSError):
            self.kill()
            raise StudentCrash(self.describe_death()) from None
        except wire.WireError as e:
            self.kill()
            raise BadResult(f"sent a result the grader cannot read ({e})") from None

    def describe_death(self) -> str:
        status = self.exit_status
        if status is None and self.sandbox._server_dead():
            return ("the process running your code stopped when the sandbox around it was killed "
                    "(does your code signal its parent process?)")
        if status is None:
            return "the process running your code stopped unexpectedly"
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
            extra = {
                "SIGKILL": f" (often the memory limit of {self.sandbox.memory_limit_mb} MB)",
                "SIGSEGV": " (a crash inside the interpreter or a library, e.g. unbounded recursion)",
                "SIGXCPU": f" (the CPU time limit of {self.sandbox.limits.cpu_seconds} s)",
            }.get(name, "")
            return f"the process running your code was killed by {name}{extra}"
        if os.WIFEXITED(status):
            return f"your code ended the process (exit code {os.WEXITSTATUS(status)}, e.g. os._exit or sys.exit at import)"
        return "the process running your code stopped unexpectedly"

    def kill(self):
        """SIGKILL the worker and every process it started; a SIGTERM handler cannot delay it."""
        if not self.alive:
            return
        self.libraries = self.sandbox.loaded_libraries(self)  # a timeout may have come while loading one
        self.alive = False
        try:
            self.sock.close()
        except OSError:
            pass
        self.exit_status = self.sandbox._kill_worker(self.pid)
        self._reader.join(timeout=1.0)

    def close(self):
        if self.alive:
            try:
                wire.send(self.sock, wire.encode({"op": "exit"}))
            except OSError:
                pass
        self.kill()


def remove_tree(path: Path) -> None:
    """Remove folder `path` and everything in it, including what student code made read-only or
    unreadable, or nested deeper than a path can name (see `child.empty_folder`)."""
    try:
        empty_folder(str(path))
        os.rmdir(path)
    except OSError:
        shutil.rmtree(path, ignore_errors=True)


def installation_folders() -> list[Path]:
    """The Python installation's own import folders (resolved): the standard library and the
    site-packages folders of the interpreter's prefixes (a virtual environment's and the Python it
    was made from) and of the user; and the folder this package was installed into, the one that
    holds its ``dlgrade-*.dist-info`` (``pip install --target`` too; not a checkout of the course,
    which an editable install's path entry names)."""
    import site
    import sysconfig

    found = {*site.getsitepackages(), site.getusersitepackages()}
    for base in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}:
        paths = sysconfig.get_paths(vars={"base": base, "platbase": base, "installed_base": base,
                                          "installed_platbase": base})
        found.update(paths[name] for name in ("stdlib", "platstdlib", "purelib", "platlib"))
    if any(HERE.parent.glob("dlgrade-*.dist-info")):
        found.add(str(HERE.parent))
    return sorted({Path(p).resolve() for p in found if p})


def script_folders() -> set[Path]:
    """Where the interpreter and the installed commands (``dlgrade``) live: the ``bin`` folder of the
    interpreter as it was started (a virtual environment's) and the scripts folders of its prefixes and
    of the user. Python puts a command's folder first on the import path when it runs the command."""
    import sysconfig

    found = {str(Path(sys.executable).parent)}
    for base in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}:
        found.add(sysconfig.get_path("scripts", vars={"base": base, "platbase": base}))
    try:
        found.add(sysconfig.get_path("scripts", f"{os.name}_user"))
    except KeyError:
        pass
    return {Path(p).resolve() for p in found if p}


def _closest(path: Path, folders) -> int:
    """How deep the deepest of `folders` that is `path` or holds it lies (its number of parts); -1: none."""
    return max((len(f.parts) for f in folders if f == path or f in path.parents), default=-1)


class Sandbox:
    """A staged copy of one submission and the fork server that runs it."""

    MAX_RESTARTS = 3

    def __init__(self, submission_dir, package: str, modules: list[str], limits: Limits | None = None,
                 preload: tuple[str, ...] = ("numpy",), forbidden: list[Path] = (), numpy_only: bool = False,
                 root=None, refused: dict[str, str] | None = None, device: str = "cpu"):
        if device not in ("cpu", CUDA):
            raise ValueError(f"unknown device {device!r} (cpu or cuda)")
        self.submission_dir = Path(submission_dir)
        # The student's own entry (their folder in a class, or `submission_dir` itself): from it down, no
        # symbolic link is followed. None: the path was given by the instructor and is followed as given.
        self.root = None if root is None else Path(root)
        self.refused = dict(refused or {})  # module -> why the grader will not read it (decided by the caller)
        self.package = package
        self.modules = list(modules)
        self.limits = limits or Limits()
        self.numpy_only = numpy_only  # NumPy and the standard library only: a server that has nothing else
        self.preload = ("numpy",) if numpy_only else tuple(preload)
        # Where its workers train: "cuda" changes their limits (`worker_limits`), gives the sandbox a memory
        # cgroup even without bubblewrap and shows it the GPUs. A NumPy-only sandbox never needs them.
        self.device = "cpu" if numpy_only else device
        self.package_folders: tuple[str, ...] = ()  # where third-party packages live (set by start)
        self.forbidden = [Path(p).resolve() for p in forbidden]
        self.staged: dict[str, str] = {}  # module -> "ok" or why it is absent
        self.restarts = 0  # times the fork server had to be started again
        self.memo: dict = {}  # what the exercises graded in this sandbox share: a training run judged by two (grader.training)
        self._tmp: Path | None = None
        self._proc: subprocess.Popen | None = None
        self._control: socket.socket | None = None
        self._errlog = None  # the server's stdout and stderr, read back when it does not start
        self._lock = threading.Lock()
        self._workers: list[Worker] = []  # to stop those still running at close()
        self._starting = False  # launched by start(wait=False), its "ready" not read yet
        self.isolation = ""  # "bubblewrap" or "rlimits only", set by start()
        # In the environment of every process the sandbox starts (unless student code clears it),
        # so that tests can find any process that outlives grading.
        self.sandbox_id = f"{os.getpid()}-{id(self):x}-{time.monotonic_ns()}"
        self._cgroup: isolation.SandboxCgroup | None = None
        self.isolation_warning = ""  # said loudly in the report when student code is not confined
        self.memory_warning = ""  # said loudly in the report when a CUDA sandbox's memory is not bounded

    # -- lifecycle ----------------------------------------------------------
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def start(self, wait: bool = True):
        """Stage the submission and start the fork server. With ``wait=False`` the server is
        launched and left to start (to import its libraries) while the caller does other work;
        `ready` waits for it."""
        try:
            self.isolation, self.isolation_warning = isolation.resolve_mode(self.limits.isolation)
        except (ValueError, RuntimeError) as e:
            raise SandboxError(str(e)) from None
        self._tmp = Path(tempfile.mkdtemp(prefix="dlgrade-"))
        runtime = self._tmp / "runtime"
        runtime.mkdir()
        for name in ("child.py", "wire.py", "trainers.py"):
            shutil.copyfile(HERE / name, runtime / name)
        (self._tmp / "work").mkdir()
        self._stage()
        if self.numpy_only:
            self.package_folders = tuple(package_folders(self._child_path()))
        try:
            self._start_server(wait=wait)
        except SandboxError:
            self.close()
            raise

    def ready(self):
        """Wait until the server launched by ``start(wait=False)`` has started; SandboxError if it did not."""
        if self._starting:
            try:
                self._await_server()
            except SandboxError:
                self.close()
                raise

    @property
    def memory_limit_mb(self) -> int:
        """The memory limit that binds a worker first: its address space on the CPU, the sandbox's
        memory cgroup on CUDA (`worker_limits`)."""
        return self.limits.total_memory_mb if self.device == CUDA else self.limits.memory_mb

    @property
    def confined(self) -> bool:
        """Whether the server runs under bubblewrap (in its own PID namespace)."""
        return self.isolation == isolation.BUBBLEWRAP

    def _inside(self, name: str) -> str:
        """Where the sandbox's folder `name` (runtime, sub or work) is seen by the child."""
        if not self.confined:
            return str(self._tmp / name)
        return isolation.WORKDIR if name == "work" else f"{isolation.SANDBOX_ROOT}/{name}"

    def _start_server(self, wait: bool = True):
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        sys_path = self._child_path()
        if self.numpy_only:
            sys_path = import_path(sys_path, self.package_folders)
        config = {"control_fd": child_end.fileno(), "sys_path": sys_path, "preload": list(self.preload),
                  "pid_namespace": self.confined}
        command = [sys.executable, "-I", "-S", f"{self._inside('runtime')}/child.py", json.dumps(config)]
        if self.confined:
            view = package_view(self.package_folders) if self.numpy_only else None
            devices = isolation.cuda_devices() if self.device == CUDA else []
            command = isolation.bwrap_command(runtime=self._tmp / "runtime", sub=self._tmp / "sub", sys_path=sys_path,
                                              forbidden=self.forbidden, tmp_mb=self.limits.tmp_mb,
                                              package_view=view, devices=devices) + command
        if self.confined or self.device == CUDA:
            # The sandbox's processes (bwrap, its init and the fork server too) in cgroups of their own where
            # they can be made: RLIMIT_NPROC does not bind the host's root user, and RLIMIT_AS bounds one process
            # (on CUDA, none: the memory cgroup is all there is, see `worker_limits`).
            self._cgroup = isolation.sandbox_cgroup(f"{self.sandbox_id}-{self.restarts}",
                                                    processes=sandbox_processes(self.limits, self.device),
                                                    memory_mb=self.limits.total_memory_mb)
            if self._cgroup is not None:
                command = self._cgroup.prefix() + command
            bounded = self._cgroup is not None and "memory" in self._cgroup.limits
            self.memory_warning = CUDA_UNBOUNDED if self.device == CUDA and not bounded else ""
        # Whatever fails from here on, every descriptor opened here is closed (here, or by _stop_server).
        self._control = parent_end
        try:
            self._errlog = open(self._tmp / "server.log", "w+b")
            self._proc = subprocess.Popen(
                command, pass_fds=[child_end.fileno()], stdin=subprocess.DEVNULL, stdout=self._errlog,
                stderr=self._errlog, cwd=self._tmp / "work", env=self._child_env(), start_new_session=True,
            )
        except OSError as e:
            self._stop_server()
            raise SandboxError(f"the sandbox process could not be started ({e})") from None
        finally:
            child_end.close()
        self._starting = True
        if wait:
            self._await_server()

    def _await_server(self):
        """Wait for the server's "ready" (it has imported its libraries)."""
        self._starting = False
        self._control.settimeout(self.limits.start_seconds)
        try:
            ready = json.loads(self._control.recv(65536) or b"{}")
        except (socket.timeout, ValueError):
            ready = {}
        if not ready.get("ready"):
            self._errlog.seek(0)
            log = self._errlog.read()[-2000:].decode("utf-8", "replace")
            raise SandboxError(f"the sandbox process did not start:\n{log}")
        self._control.settimeout(30)

    def _stop_server(self):
        for worker in self._workers:  # before the control socket goes: kill() reaps through it
            worker.kill()
        self._workers = []
        if self._control is not None:  # closed, not dropped: a late call on it fails with an OSError
            try:
                self._control.close()
            except OSError:
                pass
        if self._proc is not None:
            try:
                self._proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._kill_server()
            self._proc = None
        if self._errlog is not None:
            self._errlog.close()
            self._errlog = None
        if self._cgroup is not None:
            self._cgroup.remove()
            self._cgroup = None

    def _server_dead(self) -> bool:
        return self._proc is not None and self._proc.poll() is not None

    def _kill_server(self):
        """SIGKILL the server's process group; under bubblewrap that ends the PID
        namespace, and with it every process the student's code started."""
        if self._proc is None:
            return
        try:
            os.killpg(self._proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._proc.wait()

    def close(self):
        self._stop_server()
        if self._tmp is not None:
            remove_tree(self._tmp)
            self._tmp = None

    # -- staging ------------------------------------------------------------
    def _stage(self):
        """Copy the week's module files (`read_modules`: regular files only, never links) into a
        private package with an empty __init__.py, so one broken file cannot break the import of another."""
        pkg = self._tmp / "sub" / self.package
        pkg.mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        for module, data in read_modules(self.submission_dir, self.modules, self.root, self.refused).items():
            if isinstance(data, bytes):
                (pkg / f"{module}.py").write_bytes(data)
                self.staged[module] = "ok"
            else:
                self.staged[module] = data

    def _child_path(self) -> list[str]:
        """The judge's import path minus the current folder, the folders of the interpreter and the
        installed commands (`script_folders`: the ``dlgrade`` command's, which Python puts first on the
        path; under bubblewrap a NumPy-only view of it would hide the interpreter), the course and this
        package's own folder's parent (a checkout of the course, where an editable install points too).

        An entry at or under one of those is dropped unless one of the Python installation's own
        folders (`installation_folders`) holds it as closely: a virtual environment inside the course
        keeps its site-packages, and a grader installed into a site-packages (beside NumPy) leaves that
        folder on the path. Under bubblewrap the grader's own folder in it is covered
        (`isolation.bwrap_command`); without bubblewrap student code can read it anyway, like any file."""
        banned = [*self.forbidden, HERE.parent]
        installed = installation_folders()
        own = {Path.cwd().resolve(), *script_folders()}
        out = []
        for entry in sys.path:
            if not entry or not os.path.exists(entry):
                continue
            p = Path(entry).resolve()
            barred = len(p.parts) if p in own else _closest(p, banned)
            if barred >= 0 and _closest(p, installed) < barred:
                continue
            out.append(str(p))
        return out

    def _child_env(self) -> dict:
        work = self._inside("work")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": work, "TMPDIR": work, "LANG": "C.UTF-8",
               "PYTHONHASHSEED": "0", "DLGRADE_SANDBOX": self.sandbox_id}
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            env[var] = str(self.limits.threads)
        for var in ("LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES", "CUDA_HOME"):
            if var in os.environ:
                env[var] = os.environ[var]
        if self.device == CUDA:
            # cuBLAS is deterministic only with a fixed workspace (torch's deterministic algorithms ask for it).
            env["CUBLAS_WORKSPACE_CONFIG"] = os.environ.get("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        return env

    # -- NumPy only -----------------------------------------------------------
    def forbidden_import(self, info: dict) -> str | None:
        """The library a failed import of student code wanted, when this NumPy-only sandbox hides it."""
        return forbidden_import(info, self.package_folders) if self.numpy_only else None

    def loaded_libraries(self, worker: "Worker") -> list[str]:
        """The libraries other than NumPy that `worker` has loaded (when it was killed, those it had
        then), read from its memory map by the judge; only without bubblewrap (under it, those
        libraries are not there to load, and the worker's pid is another PID namespace's)."""
        if not self.numpy_only or self.confined:
            return []
        if not worker.alive:
            return worker.libraries
        return loaded_libraries(worker.pid, self.package_folders)

    # -- workers ------------------------------------------------------------
    def spawn(self, warm: bool = False) -> Worker:
        """A fresh worker. If the fork server has died (student code can signal its
        parent), it is started again, at most `MAX_RESTARTS` times per sandbox. `warm`: the
        worker will train or evaluate a network (the server first pays torch's one-time
        initialisation, once, for all such workers; see child._warm_torch)."""
        self.ready()
        try:
            return self._spawn_once(warm)
        except SandboxError:
            if self.restarts >= self.MAX_RESTARTS or self._tmp is None:
                raise
        self.restarts += 1
        self._stop_server()
        if not self.confined:  # a new server under bubblewrap gets a new /tmp; here, a new work folder
            work = self._tmp / "work"
            if work.is_symlink() or work.exists():  # whatever student code made of it, removed at close()
                work.rename(self._tmp / f"work-{self.restarts}")
            work.mkdir()
        self._start_server()
        return self._spawn_once(warm)

    def _scratch(self) -> list[str]:
        """The folders student code may write, as the server sees them: its work folder (/tmp under
        bubblewrap) and, under bubblewrap, /dev/shm (a small tmpfs of its own, writable too)."""
        return [self._inside("work"), *([SHM] if self.confined else [])]

    def _spawn_once(self, warm: bool = False) -> Worker:
        # One worker at a time, and each starts with empty scratch folders: nothing one exercise's
        # checks wrote (a hidden check's inputs, logged by student code) reaches the next. The
        # server empties them before it forks, so every process that could still write there must be
        # dead by then: each worker is killed when its exercise ends (Session.close -> Worker.kill;
        # under bubblewrap that kills every process of the PID namespace but the server), and any
        # worker still alive here is killed now. Without bubblewrap a process that left the worker's
        # session survives; student code can then write anywhere the grading user can anyway.
        for worker in self._workers:
            worker.kill()
        self._workers = []
        if self._server_dead():  # under bubblewrap its PID namespace may still be dying: never ask it
            raise SandboxError("the sandbox process has stopped")
        rpc_parent, rpc_child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        out_r, out_w = os.pipe()
        spec = {
            "op": "spawn", "package": self.package, "sub_root": self._inside("sub"),
            "workdir": self._inside("work"), "scratch": self._scratch(), "max_message": self.limits.message_mb << 20,
            "limits": worker_limits(self.limits, self.device, self.confined), "warm": bool(warm),
        }
        try:
            try:
                with self._lock:
                    socket.send_fds(self._control, [json.dumps(spec).encode()], [rpc_child.fileno(), out_w])
                    reply = json.loads(self._control.recv(65536) or b"{}")
            except (OSError, ValueError) as e:
                raise SandboxError(f"the sandbox process stopped answering ({e})") from None
            finally:
                rpc_child.close()
                os.close(out_w)
            if "pid" not in reply:
                raise SandboxError("the sandbox process could not start a worker "
                                   f"({reply.get('error', 'no reason given')})")
            worker = Worker(self, int(reply["pid"]), rpc_parent, out_r)
        except BaseException:  # the judge's ends too: a failed start leaves no descriptor open
            os.close(out_r)
            rpc_parent.close()
            raise
        self._workers = [worker]
        return worker

    def _kill_worker(self, pid: int) -> int | None:
        """Kill worker `pid` and everything it started; return its wait status.

        Without bubblewrap the worker's pid is ours to signal: its process group
        is killed here and the server reaps it. Under bubblewrap the pid lives in
        the sandbox's PID namespace, so the server kills every process of the
        namespace but itself (which also catches those that left the worker's
        session). A server that does not answer in time is killed, ending the
        namespace; the next `spawn` starts a new one.
        """
        if not self.confined:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            with self._lock:
                self._control.settimeout(10)
                self._control.sendall(json.dumps({"op": "kill" if self.confined else "wait", "pid": pid}).encode())
                return json.loads(self._control.recv(65536) or b"{}").get("status")
        except (OSError, ValueError):
            if self.confined:
                self._kill_server()
            return None
        finally:
            try:
                self._control.settimeout(30)
            except OSError:
                pass


class Session:
    """The ``sub`` argument of a check: one exercise's view of the student's code.

    Starts a worker on first use and a fresh one after a crash or timeout; every
    call is bounded by the per-call limit and by what is left of the exercise's time
    `budget` (seconds). Only the time student code takes counts against the budget: from
    sending a request to receiving its answer, the worker's start included. The grader's
    own work between calls (its oracles, numerical differentiation) is not charged.
    """

    def __init__(self, sandbox: Sandbox, budget: float | None = None):
        self._sandbox = sandbox
        self._worker: Worker | None = None
        self._budget = budget
        self.spent = 0.0  # seconds of the budget used so far
        self.warnings: list[dict] = []  # warnings raised during the last call
        self.call_limit: float | None = None  # a check's own per-call limit (e.g. a training run)
        self.on_progress = None  # called with each epoch of a training run the judge drives (grader.training)
        self.output_log: list[str] = []
        self.memo: dict = {}  # what the checks of one exercise share (a model trained once, judged twice)
        self.shared_memo = sandbox.memo  # what the exercises graded in this sandbox share (grader.training)
        self.warm = False  # the next worker trains or evaluates a network (grader.training sets it)
        self.forbidden: ForbiddenLibrary | None = None  # the first forbidden import of a NumPy-only module seen

    def __getattr__(self, module):
        if module.startswith("_"):
            raise AttributeError(module)
        return _Path(self, module)

    @property
    def limits(self) -> Limits:
        return self._sandbox.limits

    def _ensure_worker(self) -> Worker:
        if self._worker is None or not self._worker.alive:
            if self._worker is not None:
                self.output_log.append(self._worker.output)
            self._worker = self._sandbox.spawn(warm=self.warm)
        return self._worker

    def _encode_handle(self, worker):
        def on_object(obj):
            if isinstance(obj, Handle):
                if obj._worker is not worker or not worker.alive:
                    raise BadResult("uses an object from a process that has since been stopped")
                return obj._id
            raise wire.Unencodable(f"the grader cannot send a {type(obj).__name__}")

        return on_object

    def _request(self, req: dict, what: str = "your code", timeout: float | None = None):
        started = CLOCK()
        try:
            return self._exchange(req, what, timeout)
        finally:
            self.spent += CLOCK() - started

    def _exchange(self, req: dict, what: str, timeout: float | None):
        own_limit = timeout or self.call_limit or self.limits.call_seconds
        left = own_limit if self._budget is None else self._budget - self.spent
        if left <= 0:
            raise StudentTimeout(f"used up the exercise's {self._budget:g} s time budget")
        try:
            return self._exchange_within(req, what, min(own_limit, left))
        except StudentTimeout:
            if left < own_limit:  # it was the budget, not the call's own limit, that ran out
                raise StudentTimeout(f"did not finish within the {left:.1f} s left of the exercise's "
                                     f"{self._budget:g} s time budget and was stopped") from None
            raise

    def _exchange_within(self, req: dict, what: str, limit: float):
        worker = self._ensure_worker()
        payload = wire.encode(req, on_object=self._encode_handle(worker))
        raw = worker.request(payload, limit)
        try:
            answer = wire.decode(raw, on_handle=lambda hid, ty: Handle(self, worker, hid, ty))
        except wire.WireError as e:
            worker.kill()
            raise BadResult(f"{what} sent a result the grader cannot read ({e})") from None
        if not isinstance(answer, dict) or not {"ok", "error", "handle"} & set(answer):
            worker.kill()  # and with it whatever else it may have queued on its socket
            raise BadResult(f"{what} sent a malformed answer")
        self.warnings = [w for w in answer.get("warnings", []) if isinstance(w, dict)]
        if "error" in answer:
            info = answer["error"] if isinstance(answer["error"], dict) else {}
            if info.get("type") == "Unencodable":
                raise BadResult(f"{what} returned something that is not plain data: {info.get('message', '')}")
            if info.get("type") == "TooLarge":
                raise BadResult(f"{what}: {info.get('message', '')}")
            if info.get("memory"):
                raise StudentError(info, where=f"{what} (memory limit {self._sandbox.memory_limit_mb} MB)")
            library = self._sandbox.forbidden_import(info)
            if library is not None:
                self.forbidden = self.forbidden or ForbiddenLibrary(info, what, library)
                raise ForbiddenLibrary(info, what, library)
            cls = NotImplementedYet if info.get("not_implemented") else StudentError
            raise cls(info, where=what)
        if "handle" in answer:
            hid, ty = answer["handle"]
            return Handle(self, worker, int(hid), str(ty))
        return answer.get("ok")

    # -- the API checks use ------------------------------------------------
    def call(self, target: "str | Handle", *args, _keep: bool = False, **kwargs):
        """Call ``module.name`` in the student's package, or a callable object living in the
        worker (a Handle); plain results come back by value, other results (or any result
        with ``_keep=True``) as a Handle."""
        what = target.split(".", 1)[-1] if isinstance(target, str) else target.type_name.rsplit(".", 1)[-1]
        return self._request({"op": "call", "target": target, "args": list(args), "kwargs": kwargs, "keep": _keep},
                             what=what)

    def attr(self, target: str):
        """Read ``module.NAME`` (a constant) from the student's package."""
        return self._request({"op": "getattr", "target": target}, what=target)

    def import_module(self, module: str, timeout: float | None = None):
        return self._request({"op": "import", "module": module}, what=f"importing {module}.py",
                             timeout=timeout or self.limits.import_seconds)

    def store(self, value) -> Handle:
        """Put plain data into the worker and keep it there (e.g. arrays an optimizer
        must update in place)."""
        return self._request({"op": "store", "value": value}, what="storing a value")

    def fetch(self, handle: Handle):
        return self._request({"op": "fetch", "obj": handle}, what="reading the result")

    def collect(self, handle: Handle, limit: int = 10_000) -> list:
        out = self._request({"op": "collect", "obj": handle, "limit": limit}, what="iterating the result")
        if isinstance(out, dict) and "__too_many__" in out:
            raise BadResult(f"the iterator did not stop after {limit} items")
        return out

    def rng(self, seed: int) -> Handle:
        """A ``numpy.random.default_rng(seed)`` living in the worker."""
        return self._request({"op": "rng", "seed": int(seed)}, what="creating a random generator")

    def loaded_libraries(self) -> list[str]:
        """Libraries other than NumPy loaded by the current worker of a NumPy-only sandbox without
        bubblewrap (read by the judge from its memory map; see `grader.numpy_only`)."""
        return self._sandbox.loaded_libraries(self._worker) if self._worker is not None else []

    def output(self) -> str:
        """What the student's code printed so far in this exercise (capped)."""
        current = [self._worker.output] if self._worker is not None else []
        return "".join(self.output_log + current)

    def restart(self):
        """Stop the current worker, if any: the next call starts a fresh one, which shares
        nothing with it (a training run and each evaluation get a worker of their own)."""
        self.close()

    def close(self):
        if self._worker is not None:
            self._worker.close()
            self.output_log.append(self._worker.output)
            self._worker = None
