"""The settings a worker that trains on a GPU gets, checked on the CPU (no GPU is needed): no
address-space limit, its memory bounded by the sandbox's memory cgroup, room for the driver's
threads, the GPUs' device files inside bubblewrap; and CPU workers exactly as before."""

from __future__ import annotations

import resource
import textwrap
from pathlib import Path

import pytest

from grader import engine, isolation
from grader.course import Week
from grader.sandbox import (CUDA_THREADS, CUDA_UNBOUNDED, Limits, Sandbox, Session, StudentCrash, sandbox_processes,
                            worker_limits)

from conftest import ROOT

BWRAP_OK, BWRAP_WHY = isolation.probe()
MEMORY_CGROUP = isolation.memory_cgroup_available()
MB = 1 << 20


# ---------------------------------------------------------------------------- the limits themselves


def test_cpu_workers_keep_the_address_space_limit_and_every_other_setting():
    """Does a CPU worker get exactly the limits it always had: RLIMIT_AS of memory_mb, CPU time, file size,
    and RLIMIT_NPROC under bubblewrap only?"""
    limits = Limits()
    assert worker_limits(limits, "cpu", confined=True) == {"memory_bytes": 4096 * MB, "cpu_seconds": 600,
                                                           "file_bytes": 64 * MB, "processes": 512}
    assert worker_limits(limits, "cpu", confined=False) == {"memory_bytes": 4096 * MB, "cpu_seconds": 600,
                                                            "file_bytes": 64 * MB, "processes": 0}
    assert sandbox_processes(limits, "cpu") == 512 + 3


def test_cuda_workers_get_no_address_space_limit_and_room_for_the_driver_threads():
    """Does a CUDA worker lose RLIMIT_AS (a CUDA context reserves far more address space than any
    useful value) while keeping the CPU time and file limits, with more room for threads?"""
    limits = Limits(memory_mb=2048, processes=100)
    cuda = worker_limits(limits, "cuda", confined=True)
    assert "memory_bytes" not in cuda
    assert cuda == {"cpu_seconds": 600, "file_bytes": 64 * MB, "processes": 100 + CUDA_THREADS}
    assert worker_limits(limits, "cuda", confined=False)["processes"] == 0  # RLIMIT_NPROC would count the whole user
    assert sandbox_processes(limits, "cuda") == 100 + CUDA_THREADS + 3


# ---------------------------------------------------------------------------- the devices under bubblewrap


@pytest.fixture
def fake_dev(tmp_path):
    """A /dev of a GPU host: its NVIDIA and WSL device files among others."""
    dev = tmp_path / "dev"
    dev.mkdir()
    for name in ("nvidia0", "nvidia1", "nvidiactl", "nvidia-uvm", "nvidia-uvm-tools", "nvidia-modeset", "dxg",
                 "null", "kvm", "fuse"):
        (dev / name).write_text("")
    (dev / "nvidia-caps").mkdir()
    (dev / "dri").mkdir()
    return dev


def test_the_cuda_device_files_are_found_and_nothing_else(fake_dev):
    """Are the GPU's device files (NVIDIA's, the MIG caps folder, WSL's dxg) the ones found, and no other?"""
    names = [p.name for p in isolation.cuda_devices(fake_dev)]
    assert sorted(names) == ["dxg", "nvidia-caps", "nvidia-modeset", "nvidia-uvm", "nvidia-uvm-tools", "nvidia0",
                             "nvidia1", "nvidiactl"]


def test_bubblewrap_binds_the_given_devices_under_dev_and_shows_sys(fake_dev, tmp_path):
    """Does a CUDA sandbox's command bind each device usable (--dev-bind) at /dev/<name>, after /dev is made
    and before it is made read-only, and show /sys read-only?"""
    devices = isolation.cuda_devices(fake_dev)
    cmd = isolation.bwrap_command(runtime=tmp_path, sub=tmp_path, sys_path=[], forbidden=[], tmp_mb=1, devices=devices)
    made, frozen = cmd.index("--dev"), cmd.index("/dev", cmd.index("--remount-ro", cmd.index("--dev")))
    for dev in devices:
        i = cmd.index(str(dev))
        assert cmd[i - 1] == "--dev-bind" and cmd[i + 1] == f"/dev/{dev.name}" and made < i < frozen
    i = cmd.index("/sys")
    assert cmd[i - 1] == "--ro-bind-try" and cmd[i + 1] == "/sys"


def test_a_cpu_sandbox_sees_no_device_and_no_sys_even_on_a_gpu_host(fake_dev, tmp_path, monkeypatch):
    """Does the command of a sandbox given no devices (CPU training, NumPy-only modules) bind none and leave
    /sys out, whatever GPUs the host has?"""
    monkeypatch.setattr(isolation, "cuda_devices", lambda dev=fake_dev: sorted(fake_dev.iterdir()))
    cmd = isolation.bwrap_command(runtime=tmp_path, sub=tmp_path, sys_path=[], forbidden=[], tmp_mb=1)
    assert "--dev-bind" not in cmd and "/sys" not in cmd


# ---------------------------------------------------------------------------- a real sandbox with CUDA's settings

PROBE = """
    import os, resource
    def limits():
        return {"as": resource.getrlimit(resource.RLIMIT_AS)[0], "nproc": resource.getrlimit(resource.RLIMIT_NPROC)[0],
                "pid": os.getpid()}
    def exists(path):
        return os.path.exists(path)
    def env(name):
        return os.environ.get(name)
    def hog(mb):
        block = bytearray(mb << 20)
        for i in range(0, len(block), 4096):
            block[i] = 1
        return len(block)
"""


@pytest.fixture
def sandbox(tmp_path):
    """sandbox(isolation, device, **options) -> (Session, Sandbox) on a submission whose mod.py is PROBE."""
    opened = []

    def start(mode: str, device: str, limits: dict | None = None, **options):
        if mode == "bubblewrap" and not BWRAP_OK:
            pytest.skip(BWRAP_WHY)
        sub = tmp_path / "sub"
        sub.mkdir(exist_ok=True)
        (sub / "mod.py").write_text(textwrap.dedent(PROBE))
        box = Sandbox(sub, "pkg", ["mod"], Limits(isolation=mode, call_seconds=30, **(limits or {})), device=device,
                      **options)
        box.start()
        session = Session(box)
        opened.append((session, box))
        return session, box

    yield start
    for session, box in opened:
        session.close()
        box.close()


@pytest.mark.parametrize("mode", ["bubblewrap", "rlimits"])
def test_a_cuda_worker_runs_without_address_space_limit_inside_a_memory_cgroup(sandbox, mode):
    """Does a worker of a CUDA sandbox run with the address-space limit the judge has (none set by the
    sandbox) and inside the sandbox's memory cgroup, with or without bubblewrap, and no warning?"""
    if not MEMORY_CGROUP:
        pytest.skip("no memory cgroup can be made here")
    sub, box = sandbox(mode, "cuda")
    seen = sub.mod.limits()
    assert seen["as"] == resource.getrlimit(resource.RLIMIT_AS)[0]
    assert "memory" in box._cgroup.limits and not box.memory_warning
    assert box.memory_limit_mb == box.limits.total_memory_mb
    if mode == "rlimits":  # the worker's pid is ours to look for in the cgroup
        procs = [p / "cgroup.procs" for p in box._cgroup.paths]
        assert any(str(seen["pid"]) in p.read_text().split() for p in procs)
    else:
        assert seen["nproc"] == box.limits.processes + CUDA_THREADS
    assert sub.mod.env("CUBLAS_WORKSPACE_CONFIG") == ":4096:8"


@pytest.mark.parametrize("mode", ["bubblewrap", "rlimits"])
def test_a_cpu_worker_keeps_its_address_space_limit_and_gets_no_cgroup_it_had_not(sandbox, mode):
    """Does a CPU sandbox's worker keep RLIMIT_AS at memory_mb, and a CPU sandbox without bubblewrap stay
    without a cgroup, as before?"""
    sub, box = sandbox(mode, "cpu", {"memory_mb": 1500})
    assert sub.mod.limits()["as"] == 1500 * MB
    assert box.memory_limit_mb == 1500 and not box.memory_warning
    assert sub.mod.env("CUBLAS_WORKSPACE_CONFIG") is None
    if mode == "rlimits":
        assert box._cgroup is None


def test_a_cuda_workers_memory_is_bounded_by_the_cgroup(sandbox):
    """With no address-space limit, does the memory cgroup still stop a CUDA worker that takes more than
    the sandbox's total memory (the worker is killed, and the message names that limit)?"""
    if not MEMORY_CGROUP:
        pytest.skip("no memory cgroup can be made here")
    sub, box = sandbox("rlimits", "cuda", {"memory_mb": 256, "total_memory_mb": 1000})
    assert sub.mod.hog(400) == 400 * MB  # more than memory_mb: no address-space limit stops it, and it fits the cgroup
    with pytest.raises(StudentCrash, match="SIGKILL.*1000 MB"):
        sub.mod.hog(1200)


def test_a_cuda_sandbox_sees_the_gpu_devices_and_sys_under_bubblewrap(sandbox, fake_dev, monkeypatch):
    """Under bubblewrap, does a CUDA sandbox's worker find the host's GPU device files in /dev and /sys,
    where a CPU sandbox on the same host finds neither?"""
    monkeypatch.setattr(isolation, "cuda_devices", lambda: [fake_dev / "nvidia0", fake_dev / "nvidiactl"])
    gpu, _ = sandbox("bubblewrap", "cuda")
    assert gpu.mod.exists("/dev/nvidia0") and gpu.mod.exists("/dev/nvidiactl") and gpu.mod.exists("/sys/class")
    cpu, _ = sandbox("bubblewrap", "cpu")
    assert not cpu.mod.exists("/dev/nvidia0") and not cpu.mod.exists("/sys/class")


def test_without_a_memory_cgroup_a_cuda_sandbox_warns_that_memory_is_unbounded(sandbox, monkeypatch):
    """Where no cgroup can be made, does a CUDA sandbox (asked for by name) still run its worker without an
    address-space limit, and say loudly that memory is not bounded, while a CPU one says nothing?"""
    monkeypatch.setattr(isolation, "sandbox_cgroup", lambda *args, **kwargs: None)
    sub, box = sandbox("rlimits", "cuda")
    assert sub.mod.limits()["as"] == resource.getrlimit(resource.RLIMIT_AS)[0]
    assert box.memory_warning == CUDA_UNBOUNDED and box.memory_warning.startswith("WARNING")
    _, cpu = sandbox("rlimits", "cpu")
    assert not cpu.memory_warning


def test_a_numpy_only_sandbox_never_trains_on_the_gpu():
    """Is a NumPy-only sandbox given CUDA a CPU sandbox (its workers keep RLIMIT_AS, see no GPU)?"""
    assert Sandbox(ROOT, "pkg", ["mod"], numpy_only=True, device="cuda").device == "cpu"
    assert Sandbox(ROOT, "pkg", ["mod"], device="cuda").device == "cuda"
    with pytest.raises(ValueError, match="unknown device"):
        Sandbox(ROOT, "pkg", ["mod"], device="gpu")


# ---------------------------------------------------------------------------- which device grading uses


def test_auto_trains_on_the_gpu_only_where_its_memory_can_be_bounded(monkeypatch):
    """On a CUDA host, does auto train on the GPU where a memory cgroup can be made, and otherwise on the
    CPU with a note saying why, while cuda asked for by name stays on the GPU?"""
    monkeypatch.setattr(engine, "select_device", lambda requested: "cuda")
    monkeypatch.setattr(engine, "memory_cgroup_available", lambda: True)
    assert engine.training_device("auto") == ("cuda", "")
    monkeypatch.setattr(engine, "memory_cgroup_available", lambda: False)
    device, note = engine.training_device("auto")
    assert device == "cpu" and "CUDA device is available" in note and "--device cuda" in note
    assert engine.training_device("cuda") == ("cuda", "")


def test_a_cpu_host_never_looks_for_cgroups_to_choose_the_device(monkeypatch):
    """Without CUDA, is the device the CPU with no note, the cgroups never consulted?"""
    monkeypatch.setattr(engine, "select_device", lambda requested: "cpu")
    monkeypatch.setattr(engine, "memory_cgroup_available", lambda: pytest.fail("consulted on a CPU host"))
    assert engine.training_device("auto") == ("cpu", "")
    assert engine.training_device("cpu") == ("cpu", "")


@pytest.fixture
def recorded(monkeypatch):
    """The devices the engine gives its sandboxes, as {numpy_only: device}."""
    seen = {}

    class Recording(Sandbox):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            seen[self.numpy_only] = self.device

    monkeypatch.setattr(engine, "Sandbox", Recording)
    monkeypatch.setattr(engine, "select_device", lambda requested: "cuda")  # a GPU host, as far as grading knows
    return seen


def test_the_chosen_device_reaches_the_torch_sandbox_and_the_note_the_report(recorded, monkeypatch):
    """On a GPU host without a memory cgroup, does grading a torch exercise under auto give its sandbox the
    CPU and the instructor a note, and under cuda give it CUDA and a loud warning that memory was unbounded?"""
    monkeypatch.setattr(engine, "memory_cgroup_available", lambda: False)
    monkeypatch.setattr(isolation, "sandbox_cgroup", lambda *args, **kwargs: None)
    week = Week.load("week3_cnn", ROOT)
    blank = week.template_dir
    limits = Limits.from_rubric(week.rubric, isolation="rlimits")
    report = engine.grade_submission(week, blank, mode="check", device="auto", limits=limits, only={"week3.residual"})
    assert recorded == {False: "cpu"}
    assert engine.CPU_INSTEAD_OF_CUDA in report.instructor_notes and CUDA_UNBOUNDED not in report.instructor_notes
    report = engine.grade_submission(week, blank, mode="check", device="cuda", limits=limits, only={"week3.residual"})
    assert recorded == {False: "cuda"}
    assert CUDA_UNBOUNDED in report.instructor_notes and engine.CPU_INSTEAD_OF_CUDA not in report.instructor_notes
    assert report.results and all(r.status == "not implemented" for r in report.results)


def test_numpy_only_exercises_get_the_cpu_and_no_device_note(recorded, monkeypatch):
    """Does a NumPy-only exercise on a GPU host without a memory cgroup run in a CPU sandbox with no note
    about the GPU (it never trains there)?"""
    monkeypatch.setattr(engine, "memory_cgroup_available", lambda: False)
    week = Week.load("week3_cnn", ROOT)
    limits = Limits.from_rubric(week.rubric, isolation="rlimits")
    report = engine.grade_submission(week, week.template_dir, mode="check", device="cuda", limits=limits,
                                     only={"week3.conv_forward"})
    assert set(recorded) == {True} and recorded[True] == "cpu"
    assert engine.CPU_INSTEAD_OF_CUDA not in report.instructor_notes and CUDA_UNBOUNDED not in report.instructor_notes
