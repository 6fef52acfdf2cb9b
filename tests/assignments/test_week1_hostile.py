"""Hostile and broken week 1 submissions: each attack is confined to the exercise
it sits in, scores what the honest behaviour earns, and the grader keeps going.

Besides the scores, every attack is checked for what it must not leave behind: no
process of the sandbox outlives grading, no file outside the sandbox's private /tmp
changes (the submission, another student's folder beside it, the course's reference
and checks, a few places where results files are read), nothing connects to a port
the test listens on, and the report stays small and readable.

Each patch in tests/hostile/week1_linear_models is appended to a copy of the reference
module named in its MODULE header (see `grader.cli.apply_known_bad`). Three more headers
are read here:

* ``NEEDS_BUBBLEWRAP = "why"``: only bubblewrap contains this attack (a disk search, the
  network, processes in a new session). Without it the attack still runs, everything
  else is checked, and the test is then skipped with that reason.
* ``DESTRUCTIVE = "what"``: the attack writes or deletes files outside its sandbox when
  it can. It runs only under bubblewrap (forced: isolation="bubblewrap", so that a
  broken bubblewrap fails the sandbox instead of falling back), and is skipped otherwise.
* ``BASE = "student_template"``: the patched module starts from the blank stub instead of
  the reference (see `conftest.apply_attack`): its other exercises stay "not implemented".

Set DLGRADE_HOSTILE_ISOLATION=rlimits to run the module as on a machine without
bubblewrap (the destructive attacks are then skipped).
"""

import ast
import dataclasses
import hashlib
import json
import os
import shutil
import signal
import socket
import time
from pathlib import Path

import numpy as np
import pytest

from grader import isolation
from grader.cli import known_bad_meta
from grader.course import Week
from grader.engine import grade_submission
from grader.registry import Reference, load_checks
from grader.report import to_gradescope, validate_gradescope
from grader.sandbox import Limits
from grader.scoring import NOT_IMPLEMENTED, PASSED

from conftest import ROOT, apply_attack, attack_base

WEEK = Week.load("week1", ROOT)
ATTACKS = sorted((ROOT / "tests" / "hostile" / WEEK.name).glob("*.py"))
ISOLATION = os.environ.get("DLGRADE_HOSTILE_ISOLATION", "auto")
BWRAP = ISOLATION != "rlimits" and isolation.probe()[0]
NO_BWRAP = f"bubblewrap is not available here ({isolation.probe()[1] or 'DLGRADE_HOSTILE_ISOLATION=rlimits'})"
LIMITS = Limits.from_rubric(WEEK.rubric, call_seconds=2, import_seconds=2, exercise_seconds=8, memory_mb=2048,
                            isolation=ISOLATION)

VICTIM = "DLGRADE_HOSTILE_TEST_VICTIM"  # the destructive attacks touch only folders holding this file
ESCAPE = "SANDBOX ESCAPE"  # what an attack says in its exception when it could reach outside
MARKER = Path("/tmp/dlgrade-hostile-unpickled-marker")  # created if a pickled payload ever runs
PORTS = (47613, 47614, 47615)  # where train_softmax_opens_network_connections knocks on 127.0.0.1
# Places outside the sandbox where a results file would be read or found; none may appear or change.
HOST_SPOTS = [Path("/results.json"), Path("/autograder"), Path.home() / "results.json", Path("/tmp/results.json"),
              ROOT / "results.json", ROOT.parent / "results.json", MARKER]


def extra_meta(patch: Path) -> dict:
    """The headers known_bad_meta does not read: NEEDS_BUBBLEWRAP and DESTRUCTIVE."""
    out = {"NEEDS_BUBBLEWRAP": "", "DESTRUCTIVE": ""}
    for node in ast.parse(patch.read_text()).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id in out:
                out[node.targets[0].id] = ast.literal_eval(node.value)
    return out


# --------------------------------------------------------------------------- processes


def _start_time(pid: int) -> str:
    with open(f"/proc/{pid}/stat", "rb") as f:
        return f.read().rsplit(b")", 1)[-1].split()[19].decode()


def sandbox_processes() -> dict[tuple[int, str], str]:
    """{(pid, start time): sandbox id} of every live process on this machine whose
    environment holds DLGRADE_SANDBOX= (set by the sandbox in every process it starts)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                env = f.read()
            for var in env.split(b"\0"):
                if var.startswith(b"DLGRADE_SANDBOX="):
                    found[(int(entry), _start_time(int(entry)))] = var.split(b"=", 1)[1].decode("utf-8", "replace")
                    break
        except (OSError, IndexError):
            pass  # gone meanwhile, a zombie, or not ours to read
    return found


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace")[:200]
    except OSError:
        return "?"


def surviving_processes(before: dict, wait: float = 3.0) -> list[str]:
    """Processes started by this test process's sandboxes (their sandbox id begins with our
    pid; other tests may run sandboxes at the same time) that were not there `before` and
    are still alive `wait` seconds after grading. The survivors are killed (by pid, after
    checking they are still the same processes) so that a failure does not leave them."""
    mine = f"{os.getpid()}-"
    deadline = time.monotonic() + wait
    while True:
        left = {k: v for k, v in sandbox_processes().items() if v.startswith(mine) and k not in before}
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    described = [f"pid {pid}: {_cmdline(pid)}" for pid, _ in left]
    for pid, started in left:
        try:
            if _start_time(pid) == started:
                os.kill(pid, signal.SIGKILL)
        except (OSError, IndexError):
            pass
    return described


# --------------------------------------------------------------------------- files


def snapshot(*roots: Path) -> dict[str, tuple]:
    """(kind, size, sha256) of every file, folder and link under `roots`."""
    out = {}
    for root in roots:
        for folder, dirs, files in os.walk(root):
            out[folder] = ("dir",)
            for name in dirs + files:
                p = os.path.join(folder, name)
                if os.path.islink(p):
                    out[p] = ("link", os.readlink(p))
                elif os.path.isfile(p):
                    with open(p, "rb") as f:
                        data = f.read()
                    out[p] = ("file", len(data), hashlib.sha256(data).hexdigest())
    return out


def host_spots() -> dict[str, tuple | None]:
    out = {}
    for p in HOST_SPOTS:
        if p.is_dir():
            out[str(p)] = ("dir", tuple(sorted(os.listdir(p))))
        elif p.is_file():
            out[str(p)] = ("file", hashlib.sha256(p.read_bytes()).hexdigest())
        else:
            out[str(p)] = None
    return out


def diff(before: dict, after: dict) -> list[str]:
    changes = [f"removed {p}" for p in before if p not in after]
    changes += [f"created {p}" for p in after if p not in before]
    changes += [f"changed {p}" for p in before if p in after and before[p] != after[p]]
    return sorted(changes)


def other_student(tmp_path: Path) -> Path:
    """Another student's graded folder beside the submission: the reference and a results.json."""
    folder = tmp_path / "other_student" / WEEK.name
    shutil.copytree(WEEK.solution_dir, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "results.json").write_text(json.dumps({"score": 63.0, "tests": []}))
    (folder / VICTIM).write_text("a test's folder: hostile test patches may try to destroy it\n")
    return folder


def listen() -> socket.socket | None:
    """A listening socket on the first free port of PORTS, to see whether anything connects."""
    for port in PORTS:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind(("127.0.0.1", port))
            s.listen(16)
            s.setblocking(False)
            return s
        except OSError:
            s.close()
    return None


def connections(listener: socket.socket | None) -> int:
    n = 0
    while listener is not None:
        try:
            conn, _ = listener.accept()
        except (BlockingIOError, OSError):
            break
        conn.close()
        n += 1
    return n


@pytest.fixture(scope="module", autouse=True)
def warm_up():
    """Load the checks and the reference once, so that the judge's own bytecode caches exist
    before any snapshot of the course is taken (grading writes them where Python may)."""
    load_checks(WEEK.assignment_dir, include_hidden=True)
    ref = Reference(WEEK.solution_dir, WEEK.name)
    for module in WEEK.modules:
        getattr(ref, module)


# --------------------------------------------------------------------------- attacks


@pytest.mark.parametrize("attack", ATTACKS, ids=[p.stem for p in ATTACKS])
def test_attack_costs_only_its_exercise(attack, tmp_path):
    """Does the attacked exercise score only what honest behaviour earns, with the others
    untouched, no process left behind, no file outside the sandbox changed, and a small report?"""
    meta, extra = known_bad_meta(attack), extra_meta(attack)
    limits = LIMITS
    if extra["DESTRUCTIVE"]:
        if not BWRAP:
            pytest.skip(f"{attack.stem} {extra['DESTRUCTIVE']}: run only under bubblewrap, and {NO_BWRAP}")
        limits = dataclasses.replace(LIMITS, isolation="bubblewrap")
    contained = BWRAP or not extra["NEEDS_BUBBLEWRAP"]

    sub = apply_attack(WEEK, attack, tmp_path / WEEK.name)
    stubs = ({e for e, m in WEEK.exercise_modules.items() if m == meta["MODULE"]}
             if attack_base(attack) == "student_template" else set())
    (sub / VICTIM).write_text("a test's folder: hostile test patches may try to destroy it\n")
    other_student(tmp_path)
    MARKER.unlink(missing_ok=True)
    files_before = snapshot(tmp_path, WEEK.solution_dir, WEEK.assignment_dir)
    spots_before = host_spots()
    listener = listen()
    processes_before = sandbox_processes()
    numpy_before = np.allclose(1.0, 2.0)
    try:
        report = grade_submission(WEEK, sub, device="cpu", limits=limits)
    finally:
        survivors = surviving_processes(processes_before)
        connected = connections(listener)
        if listener is not None:
            listener.close()
    assert np.allclose(1.0, 2.0) == numpy_before is False  # the judge's numpy is untouched
    assert report.isolation == ("bubblewrap" if BWRAP else "rlimits only")

    # Scores: the attacked exercises earn what honest behaviour earns, the others full marks.
    targets = meta["EXERCISE"].split()
    assert set(targets) <= {e.id for e in report.exercises()}, targets
    for e in report.exercises():
        if e.id in targets:
            if not contained:
                continue
            if meta["EXERCISE_SCORE"] is None:
                assert e.score == e.max_score, [c.output for c in e.checks]
            else:
                assert e.score == meta["EXERCISE_SCORE"], [(c.status, c.output) for c in e.checks]
                failing = "\n".join(c.output for c in e.checks if c.status != PASSED)
                hints = meta["HINT"] if isinstance(meta["HINT"], tuple) else (meta["HINT"],)
                assert any(h in failing for h in hints), failing
        elif e.id in stubs:  # left as the blank template has it
            assert {c.status for c in e.checks} == {NOT_IMPLEMENTED}, (e.id, [c.output for c in e.checks])
        else:
            assert e.score == e.max_score, (e.id, [c.output for c in e.checks if c.status != PASSED])

    # The report stays small and readable, and no check breaks.
    for r in report.results:
        assert len(r.output) < 3000, (r.name, len(r.output))
        assert "Internal grader error" not in r.output, r.output
        if contained:
            assert ESCAPE not in r.output, r.output
    gradescope = to_gradescope(report)
    assert validate_gradescope(gradescope) == []
    assert gradescope["score"] == pytest.approx(report.score)
    assert len(json.dumps(gradescope)) < 200_000
    assert not any("Internal grader error" in note for note in report.notes), report.notes

    # Nothing outside the sandbox's private /tmp changed, and no pickled payload ran in the judge.
    assert diff(files_before, snapshot(tmp_path, WEEK.solution_dir, WEEK.assignment_dir)) == []
    assert diff(spots_before, host_spots()) == []
    assert not MARKER.exists(), "a pickled payload ran outside the worker"

    if contained:
        assert survivors == [], f"processes outlived grading: {survivors}"
        assert connected == 0, f"{connected} connection(s) reached 127.0.0.1:{listener.getsockname()[1]}"
    else:
        scores = ", ".join(f"{e.id} {e.score:g}/{e.max_score:g}" for e in report.exercises() if e.id in targets)
        pytest.skip(f"{attack.stem}: everything else holds, but {extra['NEEDS_BUBBLEWRAP']}, and {NO_BWRAP} "
                    f"(scored {scores}; survivors: {survivors or 'none'}; local connections: {connected})")


# --------------------------------------------------------------------------- broken input


def test_syntax_error_costs_only_that_file(tmp_path):
    """Does a syntax error in one module cost only the exercises in that module, naming the line?"""
    sub = tmp_path / WEEK.name
    sub.mkdir()
    for f in WEEK.solution_dir.glob("*.py"):
        (sub / f.name).write_text(f.read_text())
    (sub / "classification.py").write_text("def sigmoid(z:\n    return z\n")
    report = grade_submission(WEEK, sub, device="cpu", limits=LIMITS)
    for e in report.exercises():
        if WEEK.exercise_modules[e.id] == "classification":
            assert e.score == 0 and all("SyntaxError" in c.output and "line 1" in c.output for c in e.checks)
        else:
            assert e.score == e.max_score


def test_missing_file_and_non_python_file(tmp_path):
    """Does a missing module and a module that is not Python give clear messages and zero for their exercises only?"""
    sub = tmp_path / WEEK.name
    sub.mkdir()
    for f in WEEK.solution_dir.glob("*.py"):
        (sub / f.name).write_text(f.read_text())
    (sub / "optimizers.py").unlink()
    (sub / "training.py").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    report = grade_submission(WEEK, sub, device="cpu", limits=LIMITS)
    for e in report.exercises():
        module = WEEK.exercise_modules[e.id]
        if module == "optimizers":
            assert e.score == 0 and all("optimizers.py is missing" in c.output for c in e.checks)
        elif module == "training":
            assert e.score == 0 and all("training.py could not be imported" in c.output for c in e.checks)
        else:
            assert e.score == e.max_score


def test_empty_submission_folder(tmp_path):
    """Does an empty folder grade to completion, every exercise 0 with "is missing from the submission"?"""
    sub = tmp_path / WEEK.name
    sub.mkdir()
    processes_before = sandbox_processes()
    report = grade_submission(WEEK, sub, device="cpu", limits=LIMITS)
    assert surviving_processes(processes_before) == []
    exercises = report.exercises()
    assert {e.id for e in exercises} == set(WEEK.exercise_modules)
    assert report.score == 0 and report.max_score == 63
    for e in exercises:
        module = WEEK.exercise_modules[e.id]
        assert e.score == 0 and e.checks
        assert all(f"{module}.py is missing from the submission" in c.output for c in e.checks), e.id
    assert len(json.dumps(to_gradescope(report))) < 200_000
