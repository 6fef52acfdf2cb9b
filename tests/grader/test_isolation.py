"""Tests for grader/isolation.py: under bubblewrap, student code sees the system and
the Python installation read-only, a private bounded /tmp, no network, and nothing of
the course, the judge's folders or other submissions; where bubblewrap cannot run,
the fallback is loud."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import grader
from grader import isolation
from grader.sandbox import Limits, Sandbox, SandboxError, Session, StudentError, StudentTimeout

REPO = Path(grader.__file__).resolve().parent.parent
BWRAP_OK, BWRAP_WHY = isolation.probe()
needs_bwrap = pytest.mark.skipif(not BWRAP_OK, reason=BWRAP_WHY)


@pytest.fixture
def confined(tmp_path):
    """confined(source, **limits) -> Session under bubblewrap on a submission whose mod.py is `source`."""
    opened = []

    def start(source: str, **limits) -> Session:
        sub = tmp_path / "submission"
        sub.mkdir(exist_ok=True)
        (sub / "mod.py").write_text(textwrap.dedent(source))
        sandbox = Sandbox(sub, "pkg", ["mod"], Limits(**{"isolation": "bubblewrap", "call_seconds": 10, **limits}),
                          forbidden=[REPO])
        sandbox.start()
        assert sandbox.isolation == isolation.BUBBLEWRAP and not sandbox.isolation_warning
        session = Session(sandbox)
        opened.append((session, sandbox))
        return session

    yield start
    for session, sandbox in opened:
        session.close()
        sandbox.close()


PROBE = """
    import os, socket
    def exists(path):
        return os.path.exists(path)
    def listdir(path):
        return sorted(os.listdir(path))
    def write(path, n=1):
        with open(path, "wb") as f:
            for _ in range(n):
                f.write(b"x" * (1 << 20))
        return os.path.getsize(path)
    def connect(host, port):
        s = socket.socket()
        s.settimeout(2)
        try:
            s.connect((host, port))
            return "connected"
        except OSError as e:
            return type(e).__name__
    def fork_many(n):
        pids = []
        try:
            for _ in range(n):
                pid = os.fork()
                if pid == 0:
                    import time
                    time.sleep(5)
                    os._exit(0)
                pids.append(pid)
        except OSError as e:
            return len(pids), type(e).__name__
        return len(pids), ""
"""


@needs_bwrap
def test_course_judge_folders_and_the_submission_itself_are_invisible(confined, tmp_path):
    """Can student code find the repository, the reference solutions, the grader, the judge's /tmp or its own original folder?"""
    sub = confined(PROBE)
    for path in (REPO, REPO / "solutions", REPO / "assignments", REPO / "grader", tmp_path, tmp_path / "submission",
                 Path("/work"), Path("/home"), Path("/var"), Path("/etc/passwd")):
        assert sub.mod.exists(str(path)) is False, path
    # The home folder shows at most the way to the Python installation.
    python_tops = {Path(p).relative_to(Path.home()).parts[0] for p in isolation.python_paths([])
                   if Path(p).is_relative_to(Path.home())}
    if sub.mod.exists(str(Path.home())):
        assert set(sub.mod.listdir(str(Path.home()))) <= python_tops
    assert set(sub.mod.listdir("/")) <= {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "sandbox",
                                         "sbin", "sys", "tmp", "usr", *{Path(p).parts[1] for p in
                                                                        isolation.python_paths([])}}
    assert sub.mod.listdir("/sandbox/sub/pkg") == ["__init__.py", "mod.py"]


@needs_bwrap
def test_only_the_private_tmp_is_writable_and_it_is_bounded(confined):
    """Is every place but /tmp read-only, and is /tmp limited to its configured size?"""
    sub = confined(PROBE, tmp_mb=8, file_mb=64)
    for path in ("/x", "/usr/x", "/sandbox/sub/pkg/mod.py", "/sandbox/runtime/child.py", "/dev/x", "/etc/x"):
        with pytest.raises(StudentError, match="Read-only file system|Permission denied|No such file"):
            sub.mod.write(path)
    assert sub.mod.write("/tmp/ok", 2) == 2 << 20
    with pytest.raises(StudentError, match="No space left"):
        sub.mod.write("/tmp/big", 20)


@needs_bwrap
def test_there_is_no_network(confined):
    """Can student code reach a server listening on the host's loopback? (Only the loopback is
    tried: tests send no traffic to any other address.)"""
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    try:
        sub = confined(PROBE)
        assert sub.mod.connect("127.0.0.1", server.getsockname()[1]) != "connected"
    finally:
        server.close()


@needs_bwrap
def test_worker_process_count_is_limited(confined):
    """Is the number of processes a worker may start bounded by the `processes` limit?"""
    sub = confined(PROBE, processes=20)
    if os.geteuid() == 0 and "pids" not in isolation.cgroup_bases():
        pytest.skip("running as root without a writable pids cgroup: the kernel does not apply "
                    "RLIMIT_NPROC to the host's root user")
    started, error = sub.mod.fork_many(100)
    assert started < 20 and error == "BlockingIOError"


@needs_bwrap
def test_a_fork_bomb_is_contained_and_leaves_nothing(confined):
    """Does a fork bomb stop at the process limit, time out, and leave no process and no cgroup behind?"""
    if os.geteuid() == 0 and "pids" not in isolation.cgroup_bases():
        pytest.skip("running as root without a writable pids cgroup")
    sub = confined("""
        import os
        def bomb():
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
    """, processes=50, call_seconds=2)
    sandbox = sub._sandbox
    cgroup = sandbox._cgroup
    with pytest.raises(StudentTimeout):
        sub.mod.bomb()
    paths = list(cgroup.paths) if cgroup is not None else []
    pids = [p for p in paths if (p / "pids.current").exists()]
    for p in pids:
        assert int((p / "pids.current").read_text()) <= 4  # bwrap, its init, the fork server
    sub.close()
    sandbox.close()
    assert not any(p.exists() for p in paths)


@needs_bwrap
def test_memory_of_all_processes_and_tmp_together_is_bounded(confined):
    """Do many processes, each under the per-process limit, plus files in /tmp, stop at the sandbox's
    total memory limit instead of taking the machine's memory?"""
    if "memory" not in isolation.cgroup_bases():
        pytest.skip("no memory cgroup can be made here")
    sub = confined("""
        import os, time
        def hog(n, mb):
            pids = []
            for _ in range(n):
                pid = os.fork()
                if pid == 0:
                    block = bytearray(mb << 20)
                    for i in range(0, len(block), 4096):
                        block[i] = 1
                    time.sleep(3)  # all are alive at once: each allocates in well under a second
                    os._exit(0)
                pids.append(pid)
            dead = 0
            for pid in pids:
                _, status = os.waitpid(pid, 0)
                dead += os.WIFSIGNALED(status)
            return dead
    """, memory_mb=1024, total_memory_mb=600, tmp_mb=64, call_seconds=20)
    # 8 x 200 MB = 1.6 GB in all, each child well under its own 1 GB limit: the cgroup kills most of them.
    assert sub.mod.hog(8, 200) >= 4




def test_python_paths_keep_outer_folders_only():
    """Are folders inside other bound folders dropped, and system folders left to the system binds?"""
    paths = isolation.python_paths(["/usr/lib/python3/dist-packages", "", "/nonexistent/xyz"])
    assert not any(p.startswith("/usr/") for p in paths)
    assert all(not (p != q and p.startswith(q + "/")) for p in paths for q in paths)


def test_a_forbidden_folder_inside_a_bound_one_is_covered(tmp_path, monkeypatch):
    """If the interpreter lives inside the course (a virtual environment in the repository), is the course covered?"""
    course = tmp_path / "course"
    (course / ".venv" / "lib").mkdir(parents=True)
    monkeypatch.setattr(isolation, "python_paths", lambda sys_path: [str(tmp_path)])
    cmd = isolation.bwrap_command(runtime=tmp_path, sub=tmp_path, sys_path=[], forbidden=[course], tmp_mb=1)
    i = cmd.index(str(course.resolve()))
    assert cmd[i - 1] == "--tmpfs" and cmd[i + 1: i + 3] == ["--remount-ro", str(course.resolve())]


def covers(cmd: list[str], folder: Path) -> bool:
    """Whether bwrap command `cmd` hides `folder` under an empty read-only tmpfs."""
    f = str(folder.resolve())
    return any(cmd[i:i + 4] == ["--tmpfs", f, "--remount-ro", f] for i in range(len(cmd)))


def test_an_installed_grader_is_covered_and_a_checkout_is_not_bound(tmp_path, monkeypatch):
    """Installed into a site-packages that the sandbox binds, is the grader's own folder covered? And from a
    checkout (outside every bound folder), is it neither bound nor covered, since nothing shows it?"""
    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    (site / "grader").mkdir(parents=True)
    monkeypatch.setattr(isolation, "python_paths", lambda sys_path: [str(tmp_path / "venv")])
    monkeypatch.setattr(isolation, "GRADER", site / "grader")
    assert covers(isolation.bwrap_command(runtime=tmp_path, sub=tmp_path, sys_path=[], forbidden=[], tmp_mb=1),
                  site / "grader")
    monkeypatch.setattr(isolation, "GRADER", tmp_path / "course" / "grader")
    (tmp_path / "course" / "grader").mkdir(parents=True)
    cmd = isolation.bwrap_command(runtime=tmp_path, sub=tmp_path, sys_path=[], forbidden=[], tmp_mb=1)
    assert not any(str(tmp_path / "course") in a for a in cmd)


def test_a_forbidden_folder_under_a_system_folder_is_covered(tmp_path):
    """A grader or data installed under /usr (Debian's dist-packages) lies in a system folder bound whole:
    is a forbidden folder there covered too?"""
    inside = next(p for p in (Path("/usr/share"), Path("/usr/lib"), Path("/usr/bin")) if p.is_dir())
    cmd = isolation.bwrap_command(runtime=tmp_path, sub=tmp_path, sys_path=[], forbidden=[inside], tmp_mb=1)
    assert covers(cmd, inside)


@needs_bwrap
def test_a_virtual_environment_inside_the_course_shows_nothing_else_of_the_course(tmp_path, monkeypatch):
    """With the Python installation in course/.venv (bound for the interpreter and its packages), can the
    sandboxed process see the course's solutions, or the grader installed in the environment?"""
    course = tmp_path / "course"
    site = course / ".venv" / "lib" / "python3.11" / "site-packages"
    (site / "grader").mkdir(parents=True)
    (site / "grader" / "sandbox.py").write_text("")
    (site / "numpy_stand_in.py").write_text("")
    (course / "solutions" / "week1").mkdir(parents=True)
    (course / "solutions" / "week1" / "optimizers.py").write_text("SECRET = 1\n")
    (course / "assignments").mkdir()
    monkeypatch.setattr(isolation, "GRADER", site / "grader")
    empty = tmp_path / "empty"
    empty.mkdir()
    forbidden = [course, course / "solutions", course / "assignments"]
    cmd = isolation.bwrap_command(runtime=empty, sub=empty, sys_path=[str(site)], forbidden=forbidden, tmp_mb=8)
    script = ("import os, sys; c = sys.argv[1]; print(sorted(os.listdir(c)), os.path.exists(c + '/solutions'), "
              "sorted(os.listdir(c + '/.venv/lib/python3.11/site-packages')), "
              "os.listdir(c + '/.venv/lib/python3.11/site-packages/grader'))")
    done = subprocess.run(cmd + [sys.executable, "-I", "-S", "-c", script, str(course.resolve())],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0] == "['.venv'] False ['grader', 'numpy_stand_in.py'] []"


def test_rlimits_mode_says_loudly_that_files_are_readable(tmp_path):
    """Does explicit rlimits mode run, and carry a warning that student code could read the grader's files?"""
    (tmp_path / "mod.py").write_text("def f():\n    return 1\n")
    with Sandbox(tmp_path, "pkg", ["mod"], Limits(isolation="rlimits")) as sandbox:
        assert sandbox.isolation == isolation.RLIMITS
        assert "could read every file" in sandbox.isolation_warning
        assert Session(sandbox).mod.f() == 1


def test_without_bubblewrap_auto_falls_back_loudly_and_bubblewrap_refuses(tmp_path, monkeypatch):
    """With no bwrap on the machine, does auto fall back with a WARNING naming the fix, and does
    --isolation bubblewrap refuse to grade?"""
    monkeypatch.setattr(isolation, "bwrap_path", lambda: None)
    isolation.probe.cache_clear()
    try:
        mode, warning = isolation.resolve_mode("auto")
        assert mode == isolation.RLIMITS
        assert warning.startswith("WARNING") and "NOT isolated" in warning and "apt-get install bubblewrap" in warning
        (tmp_path / "mod.py").write_text("def f():\n    return 1\n")
        with pytest.raises(SandboxError, match="bubblewrap was asked for"):
            Sandbox(tmp_path, "pkg", ["mod"], Limits(isolation="bubblewrap")).start()
        with pytest.raises(ValueError, match="unknown isolation"):
            isolation.resolve_mode("docker")
    finally:
        isolation.probe.cache_clear()


def test_readme_documents_every_limit_with_its_default():
    """Does the README's table of limits list every setting of Limits with its actual default?"""
    import dataclasses
    import re

    text = (REPO / "README.md").read_text()
    rows = dict(re.findall(r"^\| `(\w+)` \| `?([^|`]+?)`? \|", text, flags=re.M))
    for field in dataclasses.fields(Limits):
        assert field.name in rows, f"README lacks the limit {field.name}"
        default = field.default
        documented = rows[field.name]
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            assert float(documented) == float(default), (field.name, documented, default)
        else:
            assert documented == str(default), (field.name, documented, default)


def test_the_private_tmp_is_mounted_before_any_bind(tmp_path):
    """Is /tmp's tmpfs made first, so that a bind below /tmp (a virtual environment there) lands on top
    of it instead of disappearing under it?"""
    cmd = isolation.bwrap_command(runtime=tmp_path, sub=tmp_path, sys_path=[], forbidden=[], tmp_mb=1)
    tmp = next(i for i in range(len(cmd)) if cmd[i:i + 2] == ["--tmpfs", isolation.WORKDIR])
    mounts = [i for i, a in enumerate(cmd) if a in ("--ro-bind", "--bind", "--ro-bind-try", "--symlink", "--tmpfs",
                                                   "--dev-bind", "--proc", "--dev")]
    assert mounts[0] == tmp


def test_a_package_view_covers_the_folder_and_shows_only_its_entries(tmp_path, monkeypatch):
    """Is a viewed folder covered by a tmpfs after the binds that show it, with only the listed entries
    bound back into it, read-only?"""
    site = tmp_path / "site-packages"
    (site / "numpy").mkdir(parents=True)
    monkeypatch.setattr(isolation, "python_paths", lambda sys_path: [str(tmp_path)])
    cmd = isolation.bwrap_command(runtime=tmp_path, sub=tmp_path, sys_path=[], forbidden=[], tmp_mb=1,
                                  package_view={str(site): ["numpy"]})
    bind = cmd.index(str(tmp_path))  # the python path's bind
    cover = cmd.index(str(site))
    assert cmd[bind - 1] == "--ro-bind" and cmd[cover - 1] == "--tmpfs" and cover > bind
    assert cmd[cover + 1: cover + 6] == ["--ro-bind", f"{site}/numpy", f"{site}/numpy", "--remount-ro", str(site)]


@pytest.fixture
def venv_in_tmp(tmp_path):
    """A virtual environment (with the system's packages) whose folder lies under /tmp."""
    if not tmp_path.resolve().is_relative_to("/tmp"):
        pytest.skip(f"the test's folder {tmp_path} is not under /tmp")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)], check=True,
                   capture_output=True, timeout=120)
    return venv / "bin" / "python"


VENV_SCRIPT = """
import sys, tempfile, pathlib
from grader import isolation
from grader.sandbox import Limits, Sandbox, Session
assert sys.prefix.startswith("/tmp/"), sys.prefix
print("probe", isolation.probe())
sub = pathlib.Path(tempfile.mkdtemp())
(sub / "mod.py").write_text("import numpy as np\\ndef f():\\n    return float(np.sum([1.0, 2.0]))\\n")
for numpy_only in (False, True):
    with Sandbox(sub, "pkg", ["mod"], Limits(isolation="bubblewrap"), numpy_only=numpy_only) as box:
        session = Session(box)
        print("sandbox", numpy_only, box.isolation, session.mod.f())
        session.close()
"""


@needs_bwrap
def test_python_in_a_virtual_environment_under_tmp_runs_under_bubblewrap(venv_in_tmp, tmp_path):
    """With the interpreter in a virtual environment under /tmp, does the probe succeed (no fallback to
    rlimits) and do sandboxes, NumPy-only ones too, run student code under bubblewrap?"""
    done = subprocess.run([str(venv_in_tmp), "-c", VENV_SCRIPT], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines() == ["probe (True, '')", "sandbox False bubblewrap 3.0", "sandbox True bubblewrap 3.0"]
