"""Confining the student's process with bubblewrap.

Under bubblewrap (``bwrap``) the fork server and every worker it starts run in
their own user, PID, network, IPC and UTS namespaces, with a root file system
built from scratch:

* the system (``/usr`` and the ``/bin``, ``/lib``… links or folders beside it,
  and the few files of ``/etc`` the dynamic loader reads) and the Python
  installation (the interpreter's prefix and each folder of the child's import
  path) are bound read-only;
* the sandbox's own runtime files and the staged copy of the submission are
  bound read-only under ``/sandbox``;
* ``/tmp`` is a private tmpfs of a bounded size, the only writable place (it is
  the working folder and ``$HOME``). It is mounted before anything else, so that
  a Python installation under the host's ``/tmp`` (a virtual environment there)
  is bound read-only on top of it rather than hidden by it;
* for a NumPy-only module (see `grader.numpy_only`), each folder that third-party
  packages are imported from shows only the entries it is given (NumPy's): the
  rest is covered by an empty tmpfs;
* a sandbox that trains on a GPU also sees the GPUs' device files and, read-only,
  ``/sys`` (see `cuda_devices`); no other sandbox does;
* nothing else exists: not the course repository, the reference solutions, the
  hidden checks, other students' folders, or the results. A forbidden path
  that happens to lie inside a bound folder (a course inside a folder of the
  import path, say) is covered by an empty tmpfs, and so is this package when it
  is installed (its folder in a bound site-packages). A virtual environment
  inside the course is bound alone: the course around it shows nothing else.

There is no network (a new network namespace has only a loopback that is
down), and every process the student's code starts lives in the sandbox's PID
namespace: killing the namespace's first process kills them all, however they
detached themselves (``setsid``, double fork, a SIGTERM handler).

Where bubblewrap is missing or cannot create namespaces (some containers), the
sandbox falls back to resource limits alone and says so (see `probe`).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

SANDBOX_ROOT = "/sandbox"  # inside: runtime/ (child.py, wire.py, trainers.py) and sub/ (the staged package)
WORKDIR = "/tmp"  # inside: the private writable tmpfs
GRADER = Path(__file__).resolve().parent  # this package: covered wherever a bound folder holds it (site-packages)

MODES = ("auto", "bubblewrap", "rlimits")
BUBBLEWRAP = "bubblewrap"
RLIMITS = "rlimits only"

# Top-level system folders bound read-only (or recreated as the links they are on the host).
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# What the dynamic loader, locale and time zone code read from /etc; nothing else of /etc is visible.
ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/localtime")


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


@functools.lru_cache(maxsize=None)
def bwrap_options(exe: str) -> frozenset[str]:
    """The options this bwrap knows (older versions lack some)."""
    try:
        text = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(word for word in text.split() if word.startswith("--"))


def python_paths(sys_path: list[str]) -> list[str]:
    """The folders the child's interpreter needs: its prefixes and import path."""
    exe = Path(sys.executable).resolve()
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, str(exe.parent.parent)}
    paths.update(p for p in sys_path if p)
    out = []
    for p in sorted(paths):
        rp = Path(p).resolve()
        if rp.exists() and str(rp) != "/" and not any(str(rp) == d or str(rp).startswith(d + "/") for d in SYSTEM_DIRS):
            out.append(str(rp))
    # Drop folders inside other bound folders: binding the outer one shows them.
    return [p for p in out if not any(p != q and p.startswith(q.rstrip("/") + "/") for q in out)]


def cuda_devices(dev: Path = Path("/dev")) -> list[Path]:
    """The device files a CUDA process opens, where the host has them: ``nvidiactl``, one
    ``nvidia<N>`` per GPU, ``nvidia-uvm`` (and ``-tools``), ``nvidia-modeset``, the
    ``nvidia-caps`` folder (MIG) and, under WSL 2, ``dxg``. ``nvidia-uvm`` appears when its
    kernel module is first loaded, which the judge's own CUDA check does before any sandbox
    starts (`grader.engine.select_device`); inside the sandbox nothing could create it."""
    return sorted([*dev.glob("nvidia*"), *dev.glob("dxg")])


def bwrap_command(*, runtime: Path, sub: Path, sys_path: list[str], forbidden: list[Path], tmp_mb: int,
                  executable: str | None = None, package_view: dict[str, list[str]] | None = None,
                  devices: list[Path] = ()) -> list[str]:
    """The bwrap command line that runs ``executable`` (the caller appends the
    program and its arguments) in a fresh sandbox.

    `package_view` maps a folder (a site-packages) to the only entries of it the
    sandbox may see; everything else in it is covered by an empty tmpfs. None: every
    bound folder is seen whole. `devices` (`cuda_devices`, for a sandbox that trains on
    a GPU; none otherwise) are bound under /dev by their names, usable, and /sys is
    shown read-only (the driver reads the GPUs' PCI topology there). The driver's own
    library (libcuda) comes from /usr with the rest of the system; /proc/driver/nvidia
    is part of the sandbox's /proc."""
    exe = executable or bwrap_path() or "bwrap"
    cmd = [exe, "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
           "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    if "--disable-userns" in bwrap_options(exe):  # bubblewrap 0.8 and later: no nested user namespaces
        cmd.insert(1, "--disable-userns")
    # The private /tmp first: a bind below /tmp (a virtual environment in the host's /tmp) made before it
    # would disappear under it, and the interpreter with it. Mounts are made in the order they are given.
    cmd += ["--size", str(int(tmp_mb) << 20), "--tmpfs", WORKDIR]
    for d in SYSTEM_DIRS:
        if os.path.islink(d):
            cmd += ["--symlink", os.readlink(d), d]
        elif os.path.isdir(d):
            cmd += ["--ro-bind", d, d]
    for f in ETC_FILES:
        cmd += ["--ro-bind-try", f, f]
    bound = python_paths(sys_path)
    for p in bound:
        cmd += ["--ro-bind", p, p]
    # A forbidden folder inside a bound one, and the grader installed into a bound site-packages, are hidden
    # under an empty tmpfs. (A course around a bound virtual environment is not bound: only the way to it is
    # made.)
    holders = [*bound, *(d for d in SYSTEM_DIRS if os.path.isdir(d) and not os.path.islink(d))]
    covered = []
    for f in dict.fromkeys(Path(f).resolve() for f in [*forbidden, GRADER]):
        if f.is_dir() and any(str(f).startswith(b.rstrip("/") + "/") for b in holders):
            cmd += ["--tmpfs", str(f), "--remount-ro", str(f)]
            covered.append(str(f) + "/")
    for folder, entries in (package_view or {}).items():  # after the binds that show the folder, before /proc
        if (folder + "/").startswith(tuple(covered)):
            continue  # hidden whole already
        cmd += ["--tmpfs", folder]
        for entry in entries:
            cmd += ["--ro-bind", f"{folder}/{entry}", f"{folder}/{entry}"]
        cmd += ["--remount-ro", folder]
    cmd += ["--proc", "/proc", "--dev", "/dev"]
    for dev in devices:  # binds of their own, which /dev's remount below leaves usable
        cmd += ["--dev-bind", str(dev), f"/dev/{Path(dev).name}"]
    # /dev is a tmpfs of its own: read-only, with a small /dev/shm for shared memory.
    cmd += ["--size", str(min(int(tmp_mb), 64) << 20), "--tmpfs", "/dev/shm", "--remount-ro", "/dev"]
    if devices:
        cmd += ["--ro-bind-try", "/sys", "/sys"]
    cmd += ["--ro-bind", str(runtime), f"{SANDBOX_ROOT}/runtime",
            "--ro-bind", str(sub), f"{SANDBOX_ROOT}/sub",
            "--remount-ro", "/",  # the new root is a tmpfs too: nothing may be written outside /tmp
            "--chdir", WORKDIR, "--"]
    return cmd


# ---------------------------------------------------------------------------- cgroups
# RLIMIT_NPROC counts the processes of a user, and the kernel does not apply it to the
# host's root user at all; RLIMIT_AS bounds one process, not the sum of them, nor the
# private /tmp. Where the grader may create cgroups (usually as root), each sandbox gets
# its own, below the grader's own cgroup (so every limit above it still holds), with a
# pids limit and a memory limit for all its processes and its tmpfs together: under
# bubblewrap, and for a sandbox that trains on a GPU with or without it, since there the
# memory cgroup is the only bound on memory (see `grader.sandbox.worker_limits`).

CGROUP_GROUP = "dlgrade"
CONTROLLERS = ("pids", "memory")


def _own_cgroups() -> dict[str, str]:
    """controller ('' for cgroup v2) -> this process's cgroup path, from /proc/self/cgroup."""
    out = {}
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, names, path = line.split(":", 2)
            for name in names.split(",") if names else [""]:
                out[name] = path
    except (OSError, ValueError):
        pass
    return out


@functools.lru_cache(maxsize=None)
def cgroup_bases() -> dict[str, Path]:
    """controller -> a folder under which this process may create that controller's cgroups
    (one folder may serve both under cgroup v2). Empty when none can be made."""
    own = _own_cgroups()
    try:
        mounts = [line.split() for line in Path("/proc/self/mounts").read_text().splitlines()]
    except OSError:
        return {}
    found: dict[str, Path] = {}
    for parts in mounts:
        if len(parts) < 4:
            continue
        where, kind, options = Path(parts[1]), parts[2], parts[3].split(",")
        if kind == "cgroup":
            names = [c for c in CONTROLLERS if c in options and c not in found]
            for name in names:
                base = where / own.get(name, "/").lstrip("/") / CGROUP_GROUP
                if _make_group(base, v2=False):
                    found[name] = base
        elif kind == "cgroup2" and "" in own:
            base = where / own[""].lstrip("/") / CGROUP_GROUP
            try:
                available = (base.parent / "cgroup.subtree_control").read_text().split()
            except OSError:
                continue
            names = [c for c in CONTROLLERS if c in available and c not in found]
            if names and _make_group(base, v2=True, enable=names):
                found.update({name: base for name in names})
    return found


def _make_group(base: Path, v2: bool, enable=()) -> bool:
    try:
        base.mkdir(exist_ok=True)
        if v2:
            (base / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in enable))
        return os.access(base / "cgroup.procs", os.W_OK)
    except OSError:
        return False


class SandboxCgroup:
    """The cgroups of one sandbox: at most `processes` processes and threads, and
    `memory_mb` of memory (its processes and its tmpfs pages together), where the
    controllers are available. `limits` names the ones in force."""

    def __init__(self, name: str, processes: int, memory_mb: int):
        self.paths: list[Path] = []
        self.limits: list[str] = []
        bases = cgroup_bases()
        for base in dict.fromkeys(bases.values()):
            _remove_stale(base)
        try:
            for controller, base in bases.items():
                path = base / name
                if path not in self.paths:
                    path.mkdir()
                    self.paths.append(path)
                if controller == "pids":
                    (path / "pids.max").write_text(str(int(processes)))
                elif (path / "memory.max").exists():
                    (path / "memory.max").write_text(str(int(memory_mb) << 20))
                    (path / "memory.swap.max").exists() and (path / "memory.swap.max").write_text("0")
                else:
                    (path / "memory.limit_in_bytes").write_text(str(int(memory_mb) << 20))
                self.limits.append(controller)
        except OSError:
            self.remove()
            raise

    def prefix(self) -> list[str]:
        """A command prefix that moves the command into these cgroups before it starts."""
        if not self.paths:
            return []
        script = ('n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 111; shift; n=$((n - 1)); done; '
                  'exec "$@"')
        return ["/bin/sh", "-c", script, "dlgrade-cgroup", str(len(self.paths)),
                *(str(p / "cgroup.procs") for p in self.paths)]

    def remove(self, tries: int = 50) -> None:
        import time

        for path in self.paths:
            for _ in range(tries):  # the last processes may still be exiting
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)
        self.paths = []


def _remove_stale(base: Path) -> None:
    """Remove the cgroups of grader processes that no longer run (a judge killed with -9)."""
    try:
        children = list(base.iterdir())
    except OSError:
        return
    for child in children:
        owner = child.name.split("-", 1)[0]
        if child.is_dir() and owner.isdigit() and not Path(f"/proc/{owner}").exists():
            try:
                child.rmdir()
            except OSError:
                pass


def memory_cgroup_available() -> bool:
    """Whether a sandbox here can get a memory cgroup: the only bound on the memory of a
    worker that trains on a GPU (see `grader.sandbox.worker_limits`)."""
    return "memory" in cgroup_bases()


def sandbox_cgroup(name: str, processes: int, memory_mb: int) -> SandboxCgroup | None:
    """The cgroups for a sandbox, or None where none can be made."""
    if not cgroup_bases():
        return None
    try:
        return SandboxCgroup(name, processes, memory_mb)
    except OSError:
        return None


# ---------------------------------------------------------------------------- probing


@functools.lru_cache(maxsize=None)
def probe() -> tuple[bool, str]:
    """Whether bubblewrap can run a sandbox here (cached per process), and why not."""
    exe = bwrap_path()
    if exe is None:
        return False, "bubblewrap (bwrap) is not installed"
    empty = Path(os.environ.get("TMPDIR", "/tmp"))
    cmd = bwrap_command(runtime=empty, sub=empty, sys_path=[], forbidden=[], tmp_mb=1, executable=exe)
    try:
        done = subprocess.run(cmd + [sys.executable, "-I", "-S", "-c", "print('ok')"], capture_output=True,
                              text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, f"bubblewrap could not be started ({e})"
    if done.returncode != 0 or done.stdout.strip() != "ok":
        why = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        return False, f"bubblewrap cannot create a sandbox here ({why})"
    return True, ""


def resolve_mode(requested: str) -> tuple[str, str]:
    """("bubblewrap" or "rlimits only", a warning when student code is not confined).
    ``bubblewrap`` that cannot run is an error; ``auto`` falls back with the warning."""
    if requested not in MODES:
        raise ValueError(f"unknown isolation {requested!r} (auto, bubblewrap or rlimits)")
    if requested == "rlimits":
        return RLIMITS, ("Student code ran with resource limits only (--isolation rlimits), not under bubblewrap: "
                         "it could read every file the grading user can read.")
    ok, why = probe()
    if ok:
        return BUBBLEWRAP, ""
    if requested == "bubblewrap":
        raise RuntimeError(f"--isolation bubblewrap was asked for, but {why}")
    return RLIMITS, (f"WARNING: student code was NOT isolated: {why}, so it ran with resource limits only and "
                     "could read every file the grading user can read (the course, the solutions, other "
                     "submissions). Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap).")


__all__ = ["bwrap_command", "cuda_devices", "memory_cgroup_available", "probe", "resolve_mode", "BUBBLEWRAP", "RLIMITS",
           "MODES", "WORKDIR", "SANDBOX_ROOT"]
