"""Tests for grader/sandbox.py (and grader/child.py behind it): student code runs in a
separate, limited process, and whatever it does reaches the judge as plain data or as
one of the sandbox's exceptions."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import grader
from grader import compare, isolation
from grader import sandbox as sandbox_module
from grader.registry import CheckFailed
from grader.sandbox import (BadResult, Handle, Limits, NotImplementedYet, Sandbox, SandboxError, Session,
                            StudentCrash, StudentError, StudentTimeout)

REPO = Path(grader.__file__).resolve().parent.parent
FAST = dict(call_seconds=5, import_seconds=5, exercise_seconds=30, memory_mb=1024, cpu_seconds=60,
            output_kb=16, start_seconds=30)


BWRAP_OK, BWRAP_WHY = isolation.probe()


@pytest.fixture(params=["bubblewrap", "rlimits"])
def start(request, tmp_path):
    """start(source, **limits) -> Session on a submission whose mod.py is `source`.
    Every test runs twice: under bubblewrap and with resource limits only."""
    if request.param == "bubblewrap" and not BWRAP_OK:
        pytest.skip(BWRAP_WHY)
    opened: list[tuple[Session, Sandbox]] = []

    def start(source: str | None = None, modules=("mod",), **limits) -> Session:
        sub = tmp_path / "sub"
        sub.mkdir(exist_ok=True)
        if source is not None:
            (sub / "mod.py").write_text(textwrap.dedent(source))
        sandbox = Sandbox(sub, "pkg", list(modules), Limits(**{**FAST, "isolation": request.param, **limits}))
        sandbox.start()
        session = Session(sandbox)
        opened.append((session, sandbox))
        return session

    yield start
    for session, sandbox in opened:
        session.close()
        sandbox.close()


def gone(pid: int) -> bool:
    """True when process `pid` no longer runs. A zombie counts as gone: it is dead, and
    whether anyone reaps an orphan depends on the container's init, not on the grader."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (FileNotFoundError, IndexError):
        return True


def wait_gone(pid: int, seconds: float = 3.0) -> bool:
    return wait_for(lambda: gone(pid), seconds)


def wait_for(condition, seconds: float = 3.0) -> bool:
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.02)
    return True


def _host_processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every live (not zombie) process, as the host sees them."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except (OSError, IndexError):
            continue
        if stat[0] != "Z":
            out[int(entry.name)] = (int(stat[1]), cmdline)
    return out


def descendants(pid: int) -> set[int]:
    """Live processes below `pid` (host pids, whatever PID namespace they are in)."""
    procs = _host_processes()
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, (ppid, _) in procs.items() if ppid in frontier} - found
        found |= frontier
    return found


def marked(marker: str) -> list[int]:
    """Live processes whose command line holds `marker` (e.g. a unique ``sleep`` duration)."""
    return [p for p, (_, cmd) in _host_processes().items() if marker in cmd.split()]


def unique_sleep() -> str:
    """A ``sleep`` duration no other process uses, to find the process from outside."""
    return f"60.{os.getpid()}{time.monotonic_ns() % 10**9}"


# --- results ----------------------------------------------------------------------------


def test_plain_results_come_back_by_value(start):
    """Do numbers, containers and arrays returned by student code arrive as the values themselves?"""
    sub = start("""
        import numpy as np
        def add(a, b):
            return a + b
        def many():
            return {"x": (1, 2.5, None), 3: [b"b", "s"], "a": np.arange(4.0).reshape(2, 2)}
    """)
    assert sub.mod.add(1, 2) == 3
    assert sub.mod.add(np.ones(3), np.arange(3.0)).tolist() == [1.0, 2.0, 3.0]
    out = sub.mod.many()
    assert out["x"] == (1, 2.5, None) and out[3] == [b"b", "s"]
    assert type(out["a"]) is np.ndarray and out["a"].tolist() == [[0.0, 1.0], [2.0, 3.0]]


def test_non_plain_results_come_back_as_handles(start):
    """Does an object of the student's class stay in the worker and arrive as a Handle naming its type?"""
    sub = start("""
        class Counter:
            def __init__(self, start=0):
                self.n = start
        def make():
            return [Counter(), 5]
    """)
    h = sub.mod.Counter(3)
    assert isinstance(h, Handle) and h.type_name == "pkg.mod.Counter"
    listed = sub.mod.make()
    assert isinstance(listed[0], Handle) and listed[1] == 5
    assert isinstance(sub.mod.Counter(_keep=True), Handle)


def test_methods_and_attributes_of_handles_run_in_the_worker(start):
    """Can the judge call methods on, read attributes of and index a Handle, and pass it back as an argument?"""
    sub = start("""
        class Counter:
            def __init__(self):
                self.n = 0
                self.items = [10, 20]
            def inc(self, k=1):
                self.n += k
                return self.n
        def total(counter):
            return counter.n + sum(counter.items)
    """)
    c = sub.mod.Counter()
    assert c.inc() == 1 and c.inc(k=4) == 5
    assert c.get("n") == 5
    items = c.get("items", keep=True)
    assert isinstance(items, Handle) and items[1] == 20
    assert sub.mod.total(c) == 35
    with pytest.raises(StudentError, match="AttributeError"):
        c.missing()


def test_a_handle_to_a_callable_can_be_called(start):
    """Does sub.call accept a Handle to a callable object living in the worker (a function a module
    holds, such as its builtins' __import__), and call it there?"""
    sub = start("""
        def scale(k):
            return lambda x: k * x
    """)
    assert sub.call(sub.mod.scale(3), 5) == 15
    math = sub.call(sub.call("mod.__builtins__.get", "__import__"), "math")
    assert isinstance(math, Handle) and math.sqrt(16.0) == 4.0


def test_stored_arrays_updated_in_place_are_seen_by_fetch(start):
    """When student code updates an array the judge stored in the worker, does fetch show the update?"""
    sub = start("""
        def scale(params, k):
            for p in params:
                p *= k
    """)
    a, b = sub.store(np.arange(3.0)), sub.store(np.ones((2, 2)))
    assert isinstance(a, Handle)
    assert sub.mod.scale([a, b], 2.0) is None
    assert a.fetch().tolist() == [0.0, 2.0, 4.0]
    assert b.fetch().tolist() == [[2.0, 2.0], [2.0, 2.0]]


def test_fetch_of_a_non_plain_object_is_bad_result(start):
    """Can fetch smuggle a non-plain object across by turning it into a handle?"""
    sub = start("""
        class Thing:
            pass
        def make():
            return Thing()
    """)
    with pytest.raises(BadResult, match="not plain data"):
        sub.mod.make().fetch()


def test_collect_gathers_what_a_generator_yields(start):
    """Does collect iterate a remote generator to its end and return the items?"""
    sub = start("""
        def batches(n):
            for i in range(n):
                yield i, [i] * i
    """)
    assert sub.mod.batches(4).collect() == [(0, []), (1, [1]), (2, [2, 2]), (3, [3, 3, 3])]


def test_a_generator_that_never_ends_hits_the_collect_limit(start):
    """Does an endless generator end in BadResult at the item limit instead of hanging the grader?"""
    sub = start("""
        import itertools
        def forever():
            yield from itertools.count()
    """)
    with pytest.raises(BadResult, match="did not stop after 50 items"):
        sub.mod.forever().collect(limit=50)


# --- exceptions -------------------------------------------------------------------------


def test_not_implemented_error_is_not_implemented_yet_with_its_message(start):
    """Does a stub's NotImplementedError arrive as NotImplementedYet carrying the exercise id?"""
    sub = start("""
        def fit(X, y):
            raise NotImplementedError("week1.fit")
    """)
    with pytest.raises(NotImplementedYet) as e:
        sub.mod.fit(1, 2)
    assert e.value.text == "week1.fit"
    assert "NotImplementedError: week1.fit" in e.value.message


def test_student_exception_names_its_type_and_student_line_but_no_grader_path(start, tmp_path):
    """Does an exception in student code say what it was and where in the student's file, without leaking the grader's paths?"""
    sub = start("""
        def helper(x):
            return x / 0

        def fit(x):
            return helper(x)
    """)
    with pytest.raises(StudentError) as e:
        sub.mod.fit(1.0)
    msg = e.value.message
    assert e.value.type == "ZeroDivisionError" and "ZeroDivisionError: float division by zero" in msg
    assert 'File "mod.py", line 3, in helper' in msg and 'File "mod.py", line 6, in fit' in msg
    assert "return x / 0" in msg
    for leak in (str(REPO), "child.py", "sandbox.py", "wire.py", "dlgrade-", str(tmp_path)):
        assert leak not in msg


# --- time, exit, crash, memory ----------------------------------------------------------


def test_infinite_loop_times_out_and_the_next_call_gets_a_fresh_worker(start):
    """Is a call that never returns stopped at about the call limit, and does the same Session work afterwards?"""
    sub = start("""
        import os
        def spin():
            while True:
                pass
        def pid():
            return os.getpid()
    """, call_seconds=1)
    server = sub._sandbox._proc.pid
    idle = len(descendants(server))  # under bubblewrap: the namespace's init and the fork server
    first = sub.mod.pid()
    assert len(descendants(server)) == idle + 1
    t0 = time.monotonic()
    with pytest.raises(StudentTimeout, match="within 1 s"):
        sub.mod.spin()
    assert 0.9 <= time.monotonic() - t0 < 5
    assert wait_for(lambda: len(descendants(server)) == idle)
    second = sub.mod.pid()
    assert second != first


def test_handles_from_a_stopped_worker_are_refused(start):
    """After the worker died, can a Handle from it be sent to the new worker (where it would name another object)?"""
    sub = start("""
        import os
        class Box:
            pass
        def crash():
            os._exit(1)
        def show(x):
            return repr(x)
    """)
    old = sub.mod.Box()
    with pytest.raises(StudentCrash):
        sub.mod.crash()
    with pytest.raises(BadResult, match="stopped"):
        sub.mod.show(old)


def test_sys_exit_in_a_function_is_reported_as_student_error(start):
    """Is sys.exit(3) inside student code reported as a SystemExit, with the worker still serving?"""
    sub = start("""
        import os, sys
        def leave():
            sys.exit(3)
        def pid():
            return os.getpid()
    """)
    pid = sub.mod.pid()
    with pytest.raises(StudentError) as e:
        sub.mod.leave()
    assert e.value.type == "SystemExit" and "SystemExit: 3" in e.value.message
    assert sub.mod.pid() == pid


def test_os_exit_in_a_function_is_a_crash_naming_the_exit_code(start):
    """Is os._exit(3), which no except clause can catch, reported as a crash with exit code 3?"""
    sub = start("""
        import os
        def leave():
            os._exit(3)
        def ok():
            return "ok"
    """)
    with pytest.raises(StudentCrash, match="exit code 3"):
        sub.mod.leave()
    assert sub.mod.ok() == "ok"


def test_os_exit_at_import_is_a_crash(start):
    """Is a module that ends the process while being imported reported as a crash, on import and on call?"""
    sub = start("""
        import os
        os._exit(3)
        def f():
            return 1
    """)
    with pytest.raises(StudentCrash, match="exit code 3"):
        sub.import_module("mod")
    with pytest.raises(StudentCrash, match="exit code 3"):
        sub.mod.f()


def test_allocation_far_above_the_memory_limit_is_a_memory_error_and_the_grader_goes_on(start):
    """Does allocating ~800 GB under a 1 GB limit end in a MemoryError report, with the worker still usable?"""
    sub = start("""
        import numpy as np
        def huge():
            return np.ones(10**11)
        def small():
            return float(np.ones(10**5).sum())
    """, memory_mb=1024)
    with pytest.raises(StudentError) as e:
        sub.mod.huge()
    assert e.value.type == "MemoryError" and e.value.memory
    assert "memory limit 1024 MB" in e.value.message
    assert sub.mod.small() == 1e5
    assert np.ones(10**5).sum() == 1e5


# --- output -----------------------------------------------------------------------------


def test_junk_on_stdout_and_stderr_does_not_break_the_protocol(start):
    """Does printing 10 MB to stdout and stderr (with bytes that look like a message) leave the replies intact?"""
    sub = start("""
        import os, sys, struct
        def noisy():
            print("x" * 10_000_000)
            sys.stderr.write("y" * 1_000_000)
            os.write(1, struct.pack("<Q", 8) + b"\\x00" * 100)
            return 5
    """)
    assert sub.mod.noisy() == 5
    assert sub.mod.noisy() == 5


def test_what_student_code_prints_is_kept(start):
    """Does a short print from student code (still sitting in the worker's stdout buffer) reach Session.output()?"""
    sub = start("""
        import sys
        def hello():
            print("hello from mod")
            print("and from stderr", file=sys.stderr)
            return 1
    """)
    assert sub.mod.hello() == 1
    sub.close()  # ends the worker, so its output has been read to the end
    # stdout is block-buffered and stderr is not, so only the lines, not their order, are certain
    assert sorted(sub.output().splitlines()) == ["and from stderr", "hello from mod"]


def test_output_is_capped_and_says_how_much_was_dropped(start):
    """Is what student code prints capped at output_kb, with the overflow counted to the byte?"""
    sub = start("""
        import sys
        def noisy():
            print("x" * 100_000)
            sys.stderr.write("y" * 50_000)
            return 2
    """, output_kb=4)
    assert sub.mod.noisy() == 2
    sub.close()
    out = sub.output()
    assert out.startswith("x" * 4096)
    assert out.endswith(f"({100_001 + 50_000 - 4096} more bytes of output dropped)")
    assert len(out.encode()) <= 4096 + 100


# --- isolation --------------------------------------------------------------------------


def test_monkeypatching_numpy_in_student_code_does_not_reach_the_judge(start):
    """If student code replaces numpy.allclose and numpy.testing with ones that always succeed, is the judge's numpy untouched?"""
    sub = start("""
        import numpy as np
        import numpy.testing
        np.allclose = lambda *args, **kwargs: True
        np.testing.assert_allclose = lambda *args, **kwargs: None
        np.testing.assert_array_equal = lambda *args, **kwargs: None
        def patched():
            np.testing.assert_allclose(1.0, 2.0)
            return np.allclose(1.0, 2.0)
    """)
    assert sub.mod.patched() is True
    assert not np.allclose(1.0, 2.0)
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(1.0, 2.0)
    with pytest.raises(AssertionError):
        np.testing.assert_array_equal([1], [2])


@pytest.mark.parametrize("name", ["solutions", "grader", "assignments", "grader.sandbox", "solutions.week1_linear_models"])
def test_course_packages_cannot_be_imported_by_student_code(start, name):
    """Can student code import the reference solutions, the checks or the grader?"""
    sub = start("""
        import importlib
        def load(name):
            importlib.import_module(name)
    """)
    with pytest.raises(StudentError) as e:
        sub.mod.load(name)
    assert e.value.type == "ModuleNotFoundError"


def test_child_import_path_holds_nothing_from_the_repository(start):
    """Does the worker's sys.path avoid the repository, the judge's current folder and the '' entry?"""
    sub = start("""
        import sys
        def path():
            return list(sys.path)
    """)
    path = sub.mod.path()
    assert path and all(isinstance(p, str) for p in path)
    assert "" not in path and "." not in path
    for entry in path:
        p = Path(entry).resolve()
        assert p != REPO and REPO not in p.parents, entry
        assert p != Path.cwd().resolve(), entry


def test_child_runs_outside_the_repository_and_the_submission(start, tmp_path):
    """Is the worker's current folder neither the repository nor the student's own folder?"""
    sub = start("""
        import os
        def cwd():
            return os.getcwd()
    """)
    cwd = Path(sub.mod.cwd()).resolve()
    assert cwd != REPO and REPO not in cwd.parents
    assert cwd != (tmp_path / "sub").resolve()


def test_object_with_lying_eq_arrives_as_a_handle_and_fails_comparison(start):
    """Can an object whose __eq__ always says True pass for the right answer?"""
    sub = start("""
        class Liar:
            def __eq__(self, other):
                return True
            def __ne__(self, other):
                return False
            def __len__(self):
                return 3
            def __getitem__(self, i):
                return 0.0
            def __array__(self, *args, **kwargs):
                import numpy as np
                return np.zeros(3)
        def answer():
            return Liar()
    """)
    got = sub.mod.answer()
    assert isinstance(got, Handle)
    assert (got == 1) is False
    assert not np.any(got == np.zeros(3))
    with pytest.raises(CheckFailed, match="should be numbers, got a pkg.mod.Liar"):
        compare.as_array(got, "answer()")
    with pytest.raises(CheckFailed):
        compare.assert_close(got, np.zeros(3), "answer()")


# --- warnings ---------------------------------------------------------------------------


def test_numpy_overflow_warning_in_student_code_is_reported(start):
    """Does an overflow in np.exp inside student code show up in session.warnings with its line?"""
    sub = start("""
        import numpy as np
        def sigmoid(z):
            return 1 / (1 + np.exp(-z))
        def calm():
            return 1.0
    """)
    sub.mod.sigmoid(np.array([-1e4, 0.0]))
    assert [w["category"] for w in sub.warnings] == ["RuntimeWarning"]
    assert "overflow" in sub.warnings[0]["message"] and sub.warnings[0]["line"] == 4
    sub.mod.calm()
    assert sub.warnings == []


def test_seterr_ignore_at_import_does_not_hide_warnings(start):
    """If the student's module silences NumPy and warnings at import, are warnings still reported, also in the call that imports it?"""
    sub = start("""
        import warnings
        import numpy as np
        np.seterr(all="ignore")
        warnings.simplefilter("ignore")
        def overflow():
            return float(np.exp(1e4))
    """)
    assert sub.mod.overflow() == np.inf  # the first call also imports the module
    assert any("overflow" in w["message"] for w in sub.warnings)
    assert sub.mod.overflow() == np.inf
    assert any("overflow" in w["message"] for w in sub.warnings)


def test_module_level_seterr_raise_is_undone_after_import(start):
    """If the student's module sets np.seterr(over="raise") at import, does a later overflow still come back as a warning, not an error?"""
    sub = start("""
        import numpy as np
        np.seterr(over="raise")
        def overflow():
            return float(np.exp(1e4))
    """)
    assert sub.mod.overflow() == np.inf
    assert any("overflow" in w["message"] for w in sub.warnings)


SILENCED = {
    "errstate": """
        with np.errstate(over="ignore"):
            return float(np.exp(1e4))""",
    "errstate_all": """
        with np.errstate(all="ignore"):
            return float(np.exp(1e4))""",
    "errstate_print": """
        with np.errstate(over="print"):
            return float(np.exp(1e4))""",
    "seterr": """
        old = np.seterr(all="ignore")
        try:
            return float(np.exp(1e4))
        finally:
            np.seterr(**old)""",
    "seterr_positional": """
        np.seterr("ignore")
        return float(np.exp(1e4))""",
    "simplefilter": """
        warnings.simplefilter("ignore")
        return float(np.exp(1e4))""",
    "filterwarnings": """
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        return float(np.exp(1e4))""",
    "catch_warnings": """
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return float(np.exp(1e4))""",
    "catch_warnings_action": """
        with warnings.catch_warnings(action="ignore"):
            return float(np.exp(1e4))""",
    "from_import": """
        from numpy import errstate
        from warnings import simplefilter
        simplefilter("ignore")
        with errstate(over="ignore"):
            return float(np.exp(1e4))""",
    "exec_string": """
        return eval("float(np.exp(1e4)) if np.seterr(all='ignore') is not None else 0.0")""",
}


@pytest.mark.parametrize("route", SILENCED)
def test_student_code_cannot_silence_an_overflow_warning(start, route):
    """If the student's function silences NumPy or the warning filters before it overflows, is the overflow warning still reported, call after call?"""
    body = textwrap.indent(textwrap.dedent(SILENCED[route]), "    ")
    sub = start("import warnings\nimport numpy as np\n\ndef overflow():" + body + "\n")
    for _ in range(2):  # the second call too (whatever the first left behind)
        assert sub.mod.overflow() == np.inf
        assert [w["category"] for w in sub.warnings if "overflow" in w["message"]] == ["RuntimeWarning"], route


def test_errstate_decorator_in_student_code_does_not_silence(start):
    """If the student decorates a function with @np.errstate(all="ignore") at import, is its overflow still reported?"""
    sub = start("""
        import numpy as np
        @np.errstate(all="ignore")
        def overflow():
            return float(np.exp(1e4))
    """)
    assert sub.mod.overflow() == np.inf
    assert any("overflow" in w["message"] for w in sub.warnings)


def test_student_catch_warnings_record_sees_the_warning_and_so_does_the_judge(start):
    """If the student records warnings with catch_warnings(record=True), does the student's list get the overflow and the judge too?"""
    sub = start("""
        import warnings
        import numpy as np
        def overflow():
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                value = float(np.exp(1e4))
            return [str(w.message) for w in caught], value
    """)
    seen, value = sub.mod.overflow()
    assert value == np.inf and any("overflow" in m for m in seen)
    assert any("overflow" in w["message"] for w in sub.warnings)


def test_student_seterr_raise_still_raises(start):
    """Does np.errstate(over="raise") in student code still raise FloatingPointError, for the student to catch?"""
    sub = start("""
        import numpy as np
        def guarded():
            try:
                with np.errstate(over="raise"):
                    return float(np.exp(1e4))
            except FloatingPointError:
                return -1.0
    """)
    assert sub.mod.guarded() == -1.0
    assert sub.warnings == []


def test_errstate_inside_numpy_still_silences_numpy_own_warnings(start):
    """Does a NumPy function that silences its own intermediate warnings (np.isclose of infinities) stay warning-free when student code calls it?"""
    sub = start("""
        import numpy as np
        def close():
            return bool(np.isclose(np.array([np.inf]), np.array([np.inf]))[0])
        def raw():
            return float(np.abs(np.array([np.inf]) - np.array([np.inf]))[0])
    """)
    assert sub.mod.close() is True
    assert sub.warnings == []
    assert np.isnan(sub.mod.raw())  # the same arithmetic outside NumPy's own errstate warns
    assert any("invalid" in w["message"] for w in sub.warnings)


# --- processes --------------------------------------------------------------------------


def test_timeout_kills_the_whole_process_group(start):
    """When a call times out, are the processes the student started killed along with the worker?"""
    marker = unique_sleep()
    sub = start(f"""
        import subprocess
        def start_and_spin():
            p = subprocess.Popen(["sleep", "{marker}"])
            while True:
                pass
    """, call_seconds=1)
    with pytest.raises(StudentTimeout):
        sub.mod.start_and_spin()
    assert wait_for(lambda: not marked(marker)), f"sleep {marker} outlived the worker"


def test_processes_that_leave_the_session_die_with_the_worker_under_bubblewrap(start, request):
    """Does a background process started in a new session (which a process-group kill cannot reach),
    with SIGTERM ignored, die when the exercise's worker is stopped?"""
    if request.node.callspec.params["start"] != "bubblewrap":
        pytest.skip("only a PID namespace catches processes that leave the session; rlimits mode cannot")
    marker = unique_sleep()
    sub = start(f"""
        import signal, subprocess
        def escape():
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            subprocess.Popen(["sleep", "{marker}"], start_new_session=True,
                             preexec_fn=lambda: signal.signal(signal.SIGTERM, signal.SIG_IGN))
            subprocess.Popen(["sh", "-c", "(setsid sleep {marker} &) ; exit 0"])
            return "started"
    """)
    assert sub.mod.escape() == "started"
    assert wait_for(lambda: len(marked(marker)) == 2)
    sub.close()
    assert wait_for(lambda: not marked(marker)), f"sleep {marker} outlived the worker"


def test_closing_the_sandbox_leaves_no_process_and_no_folder(start):
    """Does Sandbox.close() stop the fork server and any worker still running, and delete its temporary folder?"""
    marker = unique_sleep()
    sub = start(f"""
        import os, subprocess
        def where():
            child = subprocess.Popen(["sleep", "{marker}"])
            return os.getpid()
    """)
    sandbox = sub._sandbox
    server, temp = sandbox._proc.pid, sandbox._tmp
    sub.mod.where()
    tree = descendants(server)
    assert temp.name.startswith("dlgrade-") and temp.is_dir() and marked(marker)
    sandbox.close()  # the session is still open: its worker must not outlive the sandbox
    for pid in (server, *tree):
        assert wait_gone(pid), f"process {pid} outlived Sandbox.close()"
    assert not marked(marker)
    assert not temp.exists()


def test_symlinked_module_file_is_refused(start, tmp_path):
    """Is a module that is a symbolic link (e.g. to the reference solution) refused at staging?"""
    elsewhere = tmp_path / "elsewhere.py"
    elsewhere.write_text("def f():\n    return 'copied'\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "mod.py").symlink_to(elsewhere)
    sub = start()
    assert sub._sandbox.staged == {"mod": "mod.py is a symbolic link; submit the file itself"}
    with pytest.raises(StudentError, match="ModuleNotFoundError"):
        sub.mod.f()


def test_missing_module_file_is_reported_at_staging(start):
    """Is a module missing from the submission named in the staging report, while present ones are staged?"""
    sub = start("def f():\n    return 1\n", modules=("mod", "absent"))
    assert sub._sandbox.staged == {"mod": "ok", "absent": "absent.py is missing from the submission"}
    assert sub.mod.f() == 1


# --- scratch folders: nothing crosses from one worker to the next -----------------------

LITTER = """
    import os

    def litter(folders, victim):
        # In each folder: files (one read-only), a FIFO, a link to a folder outside (never to be
        # followed), folders without write, or without any, permission, one nested deeper than a
        # path can name; then the folder itself without write permission.
        for top in folders:
            os.chdir(top)
            with open("inputs.log", "w") as f:
                f.write("hidden inputs")
            with open("readonly.log", "w") as f:
                f.write("hidden inputs")
            os.chmod("readonly.log", 0o400)
            os.mkfifo("fifo")
            os.symlink(victim, "link-to-victim")
            for name, mode in (("locked", 0o000), ("no-write", 0o500)):
                os.makedirs(name + "/inner")
                with open(name + "/inner/inputs.log", "w") as f:
                    f.write("hidden inputs")
                os.chmod(name + "/inner", mode)
                os.chmod(name, mode)
            os.mkdir("deep")
            os.chdir("deep")
            for _ in range(40):  # 40 x 200 characters: far past PATH_MAX (4096)
                os.mkdir("d" * 200)
                os.chdir("d" * 200)
            with open("inputs.log", "w") as f:
                f.write("hidden inputs")
            os.chdir(top)
            os.chmod(top, 0o500)
        return sorted(os.listdir(folders[0]))

    def listing(folders):
        out = {}
        for top in folders:
            out[top] = sorted(os.listdir(top))
            with open(os.path.join(top, "fresh.log"), "w") as f:  # still writable
                f.write("new worker")
        return out
"""


def test_every_worker_starts_with_empty_scratch_folders(start, request, tmp_path):
    """Does a new worker find its /tmp (the work folder without bubblewrap) and /dev/shm empty and
    writable, whatever the last worker left there: read-only files, locked folders, nesting deeper
    than a path, a read-only /tmp, and a link to a folder outside, which is removed, never followed?"""
    confined = request.node.callspec.params["start"] == "bubblewrap"
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("not the sandbox's")
    first = start(LITTER)
    work = first._sandbox._inside("work")
    folders = [work, "/dev/shm"] if confined else [work]
    assert "deep" in first.mod.litter(folders, str(victim))
    first.close()
    second = Session(first._sandbox)
    try:
        assert second.mod.listing(folders) == {folder: [] for folder in folders}
    finally:
        second.close()
    assert (victim / "keep.txt").read_text() == "not the sandbox's"


def test_a_new_worker_stops_any_worker_still_running(start):
    """Is a worker that is somehow still running (another session's) killed before the next one starts,
    so that nothing can write into the scratch folders the new one starts with?"""
    first = start("""
        import os
        def pid():
            return os.getpid()
    """)
    first.mod.pid()
    old = first._worker
    second = Session(first._sandbox)
    try:
        second.mod.pid()
        assert not old.alive and old.exit_status is not None
    finally:
        second.close()


def test_empty_folder_removes_everything_inside_and_keeps_the_folder(tmp_path):
    """Does child.empty_folder empty a folder (read-only files, locked folders, links never followed)
    and leave it with the mode asked for; and refuse a link in place of the folder?"""
    from grader.child import empty_folder

    top, victim = tmp_path / "top", tmp_path / "victim"
    (top / "a" / "b" / "c").mkdir(parents=True)
    victim.mkdir()
    (victim / "keep").write_text("x")
    (top / "a" / "b" / "c" / "f").write_text("x")
    (top / "ro").write_text("x")
    (top / "ro").chmod(0o400)
    (top / "link").symlink_to(victim)
    (top / "a" / "link").symlink_to(victim)
    (top / "a" / "b").chmod(0o000)
    (top / "a").chmod(0o500)
    empty_folder(str(top), 0o751)
    assert list(top.iterdir()) == [] and (top.stat().st_mode & 0o777) == 0o751
    assert (victim / "keep").read_text() == "x"
    (tmp_path / "as-link").symlink_to(victim)
    with pytest.raises(OSError):
        empty_folder(str(tmp_path / "as-link"))
    assert (victim / "keep").read_text() == "x"


# --- messages the judge refuses ---------------------------------------------------------

FLOOD_MODULE = """
import struct, sys

def ok():
    return "ok"

def flood(megabytes):
    # The worker's own socket (its Worker object, found up the stack), and a frame announcing
    # that many megabytes of JSON: one array of empty lists, streamed in small chunks.
    f = sys._getframe()
    while not (hasattr(f.f_locals.get("self"), "sock") and hasattr(f.f_locals.get("self"), "send")):
        f = f.f_back
    sock = f.f_locals["self"].sock
    lists = ((megabytes << 20) - 4) // 3
    doc_len = 3 * lists + 4
    sock.sendall(struct.pack("<QQQ", 16 + doc_len, doc_len, 0) + b"[")
    for _ in range(lists >> 16):
        sock.sendall(b"[]," * (1 << 16))
    sock.sendall(b"[]," * (lists & 0xFFFF) + b"[]]")
    return "sent"
"""

FLOOD_JUDGE = """
import json, resource, sys
from grader.sandbox import BadResult, Limits, Sandbox, Session

sub, megabytes = sys.argv[1], int(sys.argv[2])
limits = Limits(isolation="rlimits", call_seconds=600, exercise_seconds=1200, memory_mb=2048, message_mb=512)
with Sandbox(sub, "pkg", ["mod"], limits) as sandbox:
    session = Session(sandbox)
    session.mod.ok()  # the worker is up and one answer has been decoded
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        outcome = session.mod.flood(megabytes)
    except BadResult as e:
        outcome = "BadResult: " + e.message
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    after = session.mod.ok()
    session.close()
print(json.dumps({"grown_mb": grown / 1024, "outcome": outcome, "after": after}))
"""


def test_a_250_mb_frame_of_empty_lists_is_refused_with_bounded_judge_memory(tmp_path):
    """Does a worker that writes a frame of 250 MB of empty JSON lists (7 GB and 3 minutes of the judge's
    before) get a BadResult saying why, with the judge's peak memory barely growing and the next call
    answered by a fresh worker? (The judge runs in a process of its own, whose peak RSS is its own.)"""
    import json
    import subprocess
    import sys

    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "mod.py").write_text(FLOOD_MODULE)
    done = subprocess.run([sys.executable, "-c", FLOOD_JUDGE, str(tmp_path / "sub"), "250"], capture_output=True,
                          text=True, timeout=600, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["outcome"].startswith("BadResult: sent a result the grader cannot read"), result
    assert "over the limit of" in result["outcome"], result
    assert result["after"] == "ok"
    assert result["grown_mb"] < 100, result  # generous: the frame is refused from its first 24 bytes


def test_a_result_with_too_much_plain_data_outside_arrays_is_a_clear_bad_result(start):
    """Does an honest result holding more than MAX_JSON_BYTES of lists (not arrays) come back as a
    BadResult that says to return arrays, with the worker still serving?"""
    sub = start("""
        def many_floats():
            return [1 / 3] * 500_000   # about 9.5 MB of JSON numbers
        def ok():
            return "ok"
    """)
    with pytest.raises(BadResult, match="over the limit of .*return large results as NumPy arrays"):
        sub.mod.many_floats()
    assert sub.mod.ok() == "ok"


# --- progress reports -------------------------------------------------------------------


def test_forged_progress_from_the_worker_is_a_malformed_answer(start):
    """Training progress comes from the judge's own loop: does a worker that writes progress frames of
    its own on its socket get a malformed-answer failure, with nothing shown, and a fresh worker after?"""
    sub = start("""
        import gc
        def forge():
            worker = next(o for o in gc.get_objects() if type(o).__name__ == "Worker" and hasattr(o, "sock"))
            frame = worker.send.__globals__["wire"]
            frame.send(worker.sock, frame.encode({"progress": {"epoch": "\\x1b[2J", "epochs": 2}}))
            return "done"
        def ok():
            return "ok"
    """)
    seen = []
    sub.on_progress = seen.append
    with pytest.raises(BadResult, match="malformed answer"):
        sub.mod.forge()
    assert seen == [] and sub.mod.ok() == "ok"


# --- speed ------------------------------------------------------------------------------


def test_two_hundred_calls_complete(start):
    """Do 200 small calls through one worker finish in reasonable time?"""
    sub = start("""
        import numpy as np
        def f(x):
            return x * 2
    """)
    t0 = time.monotonic()
    total = sum(sub.mod.f(np.full(10, i))[0] for i in range(200))
    assert total == 2 * sum(range(200))
    assert time.monotonic() - t0 < 10


def test_twenty_spawns_complete(start):
    """Do 20 fresh workers (one per exercise) start, answer and stop in reasonable time?"""
    sub = start("""
        import os
        def pid():
            return os.getpid()
    """)
    sandbox = sub._sandbox
    idle = len(descendants(sandbox._proc.pid))
    t0 = time.monotonic()
    pids = set()
    for _ in range(20):
        s = Session(sandbox)
        pids.add(s.mod.pid())
        s.close()
    assert len(pids) == 20
    assert time.monotonic() - t0 < 20
    assert wait_for(lambda: len(descendants(sandbox._proc.pid)) == idle)


def test_killed_fork_server_is_restarted(start):
    """When student code kills the process that forks the workers, does the next worker still start (and is it counted)?"""
    session = start("""
        import os, signal
        def kill_parent():
            os.kill(os.getppid(), signal.SIGKILL)
            return os.getppid()
        def ok():
            return 42
    """)
    server = session._sandbox._proc.pid
    try:
        session.mod.kill_parent()
    except StudentCrash:
        pass  # under bubblewrap the worker may die with its server's PID namespace before it replies
    assert wait_gone(server, 60)  # the kill is asynchronous: a loaded machine may take a while to deliver it
    session.close()  # the next call needs a new worker, from a new server
    assert session.mod.ok() == 42
    assert session._sandbox.restarts == 1


def test_a_server_launched_without_waiting_is_ready_on_first_use(tmp_path):
    """Does start(wait=False) leave the server starting (importing torch) and the first call wait for it?"""
    (tmp_path / "mod.py").write_text("def f():\n    return 7\n")
    box = Sandbox(tmp_path, "pkg", ["mod"], Limits(isolation="rlimits"), preload=("numpy", "torch"))
    try:
        box.start(wait=False)
        assert box._starting
        session = Session(box)
        assert session.mod.f() == 7
        assert not box._starting
        session.close()
    finally:
        box.close()


# ---------------------------------------------------------------------------- limits are checked


@pytest.mark.parametrize("name, value, why", [
    ("call_seconds", -1, "more than 0 seconds"), ("call_seconds", 0, "more than 0 seconds"),
    ("exercise_seconds", float("nan"), "a number of seconds"), ("import_seconds", float("inf"), "at most"),
    ("start_seconds", "60", "a number of seconds"), ("call_seconds", True, "a number of seconds"),
    ("memory_mb", 100, "at least 256 MB"), ("memory_mb", 1024.0, "a whole number of MB"),
    ("total_memory_mb", 0, "at least 256 MB"), ("cpu_seconds", 1.5, "a whole number of seconds"),
    ("file_mb", -64, "at least 1 MB"), ("output_kb", 0, "at least 1 KB"), ("threads", True, "a whole number"),
    ("processes", 0, "at least 1"), ("tmp_mb", 10**12, "at most"), ("isolation", "docker", "auto, bubblewrap"),
])
def test_a_limit_that_makes_no_sense_is_refused_naming_it(name, value, why):
    """Is a negative, zero, non-finite, wrongly typed or absurd limit refused when the limits are made,
    with a message naming the limit and what it must be?"""
    with pytest.raises(ValueError, match=f"the limit {name} must be .*{why}"):
        Limits(**{name: value})
    with pytest.raises(ValueError, match=f"the rubric's \\[limits\\] {name} must be .*{why}"):
        Limits.from_rubric({"limits": {name: value}})


def test_a_command_line_limit_is_refused_naming_its_option():
    """Does a bad override from the command line name the option the user typed, not the field?"""
    with pytest.raises(ValueError, match="--call-timeout must be more than 0 seconds, got -1"):
        Limits.from_rubric({"limits": {"call_seconds": 5}}, call_seconds=-1)
    with pytest.raises(ValueError, match="--memory-mb must be at least 256 MB, got 10"):
        Limits.from_rubric({}, memory_mb=10)
    with pytest.raises(ValueError, match=r"the rubric's \[limits\] must be a table"):
        Limits.from_rubric({"limits": 5})


def test_sane_limits_are_accepted_and_every_week_rubric_is_valid():
    """Are the defaults, small but sensible values, and every shipped week's [limits] accepted as they are?"""
    from grader.course import WEEKS, Week

    assert Limits() == Limits.from_rubric({})
    small = Limits(call_seconds=0.25, memory_mb=256, cpu_seconds=1, tmp_mb=1, processes=1, total_memory_mb=256)
    assert small.call_seconds == 0.25 and Limits(call_seconds=3).call_seconds == 3
    for name in WEEKS:
        if (REPO / "assignments" / name / "rubric.toml").is_file():
            Limits.from_rubric(Week.load(name, REPO).rubric)


# -- the import path of the student's process, in every layout of an installation ------------------


def child_path(monkeypatch, path: list[Path], forbidden=(), cwd: Path | None = None) -> list[str]:
    """Sandbox._child_path with `path` as the judge's sys.path."""
    sandbox_module.installation_folders()  # sysconfig loads its platform data now, from the real path
    monkeypatch.setattr(sys, "path", [str(p) for p in path])
    if cwd is not None:
        monkeypatch.chdir(cwd)
    return Sandbox(cwd or REPO, "pkg", [], forbidden=list(forbidden))._child_path()


def test_an_installed_grader_leaves_its_site_packages_on_the_student_path(tmp_path, monkeypatch):
    """Installed with pip, the grader's parent folder is a site-packages that holds NumPy too: does it stay on
    the student's path, while a checkout of the course (an editable install's path entry) is dropped?"""
    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    (site / "grader").mkdir(parents=True)
    (site / "numpy").mkdir()
    (site / "dlgrade-0.1.0.dist-info").mkdir()
    course = tmp_path / "course"
    course.mkdir()
    monkeypatch.setattr(sandbox_module, "HERE", site / "grader")
    assert child_path(monkeypatch, [site, course], forbidden=[course]) == [str(site.resolve())]


def test_a_checkout_of_the_course_is_never_on_the_student_path(tmp_path, monkeypatch):
    """Run from a checkout (no installed metadata beside the grader package), is the checkout dropped even
    when the course is not named forbidden, and are folders inside it dropped too?"""
    checkout = tmp_path / "course"
    (checkout / "grader").mkdir(parents=True)
    (checkout / "solutions").mkdir()
    monkeypatch.setattr(sandbox_module, "HERE", checkout / "grader")
    assert child_path(monkeypatch, [checkout, checkout / "solutions"]) == []


def test_a_virtual_environment_inside_the_course_keeps_its_site_packages(tmp_path, monkeypatch):
    """With the interpreter in course/.venv, is the environment's site-packages kept (NumPy is there) while
    the course, its solutions and the current folder (the course) are dropped?"""
    course = tmp_path / "course"
    venv = course / ".venv"
    site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    site.mkdir(parents=True)
    (course / "solutions").mkdir()
    monkeypatch.setattr(sys, "prefix", str(venv))
    monkeypatch.setattr(sys, "exec_prefix", str(venv))
    assert sandbox_module.installation_folders().count(site.resolve()) == 1
    forbidden = [course, course / "solutions", course / "assignments"]
    assert child_path(monkeypatch, [course, site, course / "solutions"], forbidden, cwd=course) == [str(site.resolve())]


def test_the_folder_of_the_dlgrade_command_is_not_on_the_student_path(tmp_path, monkeypatch):
    """Python puts the folder of the running command (a virtual environment's bin/, beside its python) first
    on the judge's path: is it left out of the student's (a NumPy-only view of it would hide the interpreter)?"""
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").symlink_to(sys.executable)
    other = tmp_path / "lib"
    other.mkdir()
    monkeypatch.setattr(sys, "executable", str(bin_dir / "python"))
    assert child_path(monkeypatch, [bin_dir, other]) == [str(other.resolve())]


# -- descriptors -----------------------------------------------------------------------------------


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize("mode", ["bubblewrap", "rlimits"])
def test_failed_server_and_worker_starts_leave_no_descriptor_open(tmp_path, monkeypatch, mode):
    """When the fork server cannot start (it exits at once, or cannot be executed) or stops answering when
    a worker is asked for, is every descriptor opened for it closed?"""
    if mode == "bubblewrap" and not BWRAP_OK:
        pytest.skip(BWRAP_WHY)
    (tmp_path / "mod.py").write_text("def f():\n    return 1\n")
    limits = Limits(**{**FAST, "isolation": mode})
    before = open_descriptors()
    with monkeypatch.context() as patch:
        patch.setattr(sys, "executable", shutil.which("false"))
        for _ in range(3):
            with pytest.raises(SandboxError, match="did not start"):
                Sandbox(tmp_path, "pkg", ["mod"], limits).start()
    assert open_descriptors() == before
    box = Sandbox(tmp_path, "pkg", ["mod"], limits)
    box.start()
    try:
        os.killpg(box._proc.pid, signal.SIGKILL)
        box._proc.wait()
        for _ in range(3):  # the server is dead: asking it for a worker fails
            with pytest.raises(SandboxError):
                box._spawn_once()
        box._stop_server()

        def refuse(*args, **kwargs):
            raise OSError("exec refused")

        monkeypatch.setattr(sandbox_module.subprocess, "Popen", refuse)
        for _ in range(3):
            with pytest.raises(SandboxError, match="could not be started .*exec refused"):
                box._start_server()
    finally:
        box.close()
    assert open_descriptors() == before
