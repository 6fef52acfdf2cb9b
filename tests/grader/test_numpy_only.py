"""Tests for grader/numpy_only.py and the NumPy-only sandbox: which folders hold third-party
packages, what a NumPy-only sandbox shows of them, how a forbidden import and a loaded library
are recognised and named, and that both enforcements work in a real sandbox (bubblewrap: the
library is absent; rlimits: the judge finds it in the worker's memory map)."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import numpy as np
import pytest

from grader import isolation, numpy_only
from grader.sandbox import ForbiddenLibrary, Limits, Sandbox, Session, StudentError, StudentTimeout

BWRAP_OK, BWRAP_WHY = isolation.probe()
needs_bwrap = pytest.mark.skipif(not BWRAP_OK, reason=BWRAP_WHY)
MODES = [pytest.param("bubblewrap", marks=needs_bwrap), "rlimits"]
NUMPY_FOLDER = str(Path(np.__file__).resolve().parent.parent)


def test_package_folders_leave_out_the_standard_library():
    """Is the folder NumPy comes from a package folder, and the standard library (lib-dynload too) not?"""
    folders = numpy_only.package_folders(sys.path)
    assert NUMPY_FOLDER in folders
    stdlib = Path(sysconfig.get_path("stdlib")).resolve()
    assert str(stdlib) not in folders and str(stdlib / "lib-dynload") not in folders
    assert all(not (p != q and p.startswith(q + "/")) for p in folders for q in folders)


def test_the_view_of_a_package_folder_is_numpy_alone():
    """Does a NumPy-only sandbox see NumPy and its bundled libraries, and nothing else, of a site-packages?"""
    view = numpy_only.package_view(numpy_only.package_folders(sys.path))
    assert "numpy" in view[NUMPY_FOLDER]
    assert all(numpy_only.VISIBLE.match(e) for entries in view.values() for e in entries)
    for name in ("numpy", "numpy.libs", "numpy-2.1.0.dist-info", "numpy-1.24.2.egg-info"):
        assert numpy_only.VISIBLE.match(name), name
    for name in ("numpy_financial", "numpydoc", "torch", "scipy.libs", "numpy.pth"):
        assert not numpy_only.VISIBLE.match(name), name


@pytest.mark.parametrize("entry,name", [("torch", "torch"), ("torch.libs", "torch"), ("scikit_learn.libs", "sklearn"),
                                        ("sklearn", "sklearn"), ("jaxlib", "jax"), ("six.py", "six"),
                                        ("_cffi_backend.cpython-311-x86_64-linux-gnu.so", "_cffi_backend")])
def test_a_package_folder_entry_is_named_as_students_import_it(entry, name):
    assert numpy_only.library_name(entry) == name


@pytest.fixture
def packages(tmp_path) -> tuple[str, ...]:
    """A fake site-packages: torch, sklearn, six.py and numpy."""
    for d in ("torch", "sklearn", "numpy", "torch-2.13.0.dist-info"):
        (tmp_path / d).mkdir()
    (tmp_path / "six.py").write_text("")
    return (str(tmp_path),)


def error(message: str, type_: str = "ModuleNotFoundError") -> dict:
    return {"type": type_, "message": message}


def test_a_failed_import_of_an_installed_library_is_forbidden(packages):
    """Is "No module named 'torch.nn'" recognised as torch, and sklearn and six likewise?"""
    assert numpy_only.forbidden_import(error("No module named 'torch.nn'"), packages) == "torch"
    assert numpy_only.forbidden_import(error("No module named 'sklearn'"), packages) == "sklearn"
    assert numpy_only.forbidden_import(error("No module named 'six'", "ImportError"), packages) == "six"


def test_a_typo_or_a_missing_name_is_not_a_forbidden_library(packages):
    """Do a misspelt module, a missing NumPy submodule and other errors stay what they are?"""
    assert numpy_only.forbidden_import(error("No module named 'nmupy'"), packages) is None
    assert numpy_only.forbidden_import(error("No module named 'numpy.foo'"), packages) is None
    assert numpy_only.forbidden_import(error("cannot import name 'x' from 'numpy'", "ImportError"), packages) is None
    assert numpy_only.forbidden_import(error("No module named 'torch'", "ValueError"), packages) is None


@pytest.fixture
def process():
    """process(code) -> pid of a Python running `code`, then waiting; killed at the end."""
    started = []

    def start(code: str) -> int:
        p = subprocess.Popen([sys.executable, "-c", code + "\nprint('ready', flush=True)\nimport sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        started.append(p)
        assert p.stdout.readline().strip() == "ready"
        return p.pid

    yield start
    for p in started:
        p.kill()
        p.wait()


def test_libraries_are_read_from_the_memory_map(process, tmp_path):
    """Does the judge find SciPy (but not NumPy) in a process's memory map, a deep-learning runtime's
    library wherever it lies, and nothing in a process that has gone?"""
    folders = tuple(numpy_only.package_folders(sys.path))
    assert numpy_only.loaded_libraries(process("import numpy"), folders) == []
    assert "scipy" in numpy_only.loaded_libraries(process("import numpy, scipy.linalg"), folders)
    fake = tmp_path / "libtorch_cpu.so"  # a copy of libtorch outside any package folder: mapped, so seen
    fake.write_bytes(b"\0" * 4096)
    pid = process(f"import mmap\nf = open({str(fake)!r}, 'rb')\nm = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)")
    assert numpy_only.loaded_libraries(pid, folders) == ["torch"]
    assert numpy_only.loaded_libraries(2 ** 22 + 12345, folders) == []


def test_the_best_known_library_comes_first():
    """When scikit-learn brings SciPy and helpers with hashed names, is sklearn named before them?"""
    names = ["81d243bd2c585b0f4821__mypyc", "charset_normalizer", "scipy", "sklearn"]
    assert sorted(names, key=numpy_only._prominence)[:2] == ["sklearn", "scipy"]


def test_the_message_names_the_module_the_library_and_the_unused_import():
    msg = numpy_only.message("optimizers", "torch")
    assert msg == "optimizers.py may use NumPy and the Python standard library only; it imported torch."
    at_import = numpy_only.message("optimizers", "torch", at_import=True)
    assert at_import.startswith("optimizers.py may use NumPy and the Python standard library only; it imported torch")
    assert "unused `import torch` at the top of the file" in at_import


# --------------------------------------------------------------------------- in a real sandbox

SOURCE = """
    import os
    import numpy as np

    def mean(x):
        return float(np.mean(x))

    def with_scipy():
        import scipy.linalg
        return float(scipy.linalg.norm([3.0, 4.0]))

    def with_rich():
        import rich
        return 1

    def typo():
        import nmupy

    def listdir(path):
        return sorted(os.listdir(path))

    def spin():
        while True:
            pass
"""


@pytest.fixture
def sandbox(tmp_path):
    """sandbox(mode, numpy_only=True) -> Session on a submission whose mod.py is SOURCE."""
    opened = []

    def start(mode: str, numpy_only: bool = True, **limits) -> Session:
        (tmp_path / "mod.py").write_text(textwrap.dedent(SOURCE))
        box = Sandbox(tmp_path, "pkg", ["mod"], Limits(isolation=mode, call_seconds=20, **limits),
                      numpy_only=numpy_only)
        box.start()
        session = Session(box)
        opened.append((session, box))
        return session

    yield start
    for session, box in opened:
        session.close()
        box.close()


@pytest.mark.parametrize("mode", MODES)
def test_a_numpy_only_sandbox_runs_numpy_and_catches_scipy(sandbox, mode):
    """Does NumPy work, and is SciPy absent under bubblewrap (ForbiddenLibrary naming it) and found in
    the worker's memory map without it? A typo stays an ordinary error."""
    sub = sandbox(mode)
    assert sub.mod.mean([1.0, 2.0, 3.0]) == 2.0
    assert sub.loaded_libraries() == []
    if mode == "bubblewrap":
        with pytest.raises(ForbiddenLibrary, match="No module named 'scipy'") as e:
            sub.mod.with_scipy()
        assert e.value.library == "scipy"
        with pytest.raises(ForbiddenLibrary) as e:  # pure Python: absent all the same
            sub.mod.with_rich()
        assert e.value.library == "rich"
    else:
        assert sub.mod.with_scipy() == 5.0
        assert "scipy" in sub.loaded_libraries()
    with pytest.raises(StudentError, match="nmupy") as e:
        sub.mod.typo()
    assert not isinstance(e.value, ForbiddenLibrary)


@needs_bwrap
def test_under_bubblewrap_package_folders_show_numpy_alone(sandbox):
    """Does the site-packages a NumPy-only worker sees hold NumPy's entries and nothing else?"""
    sub = sandbox("bubblewrap")
    folders = sub._sandbox.package_folders
    assert NUMPY_FOLDER in folders
    for folder in folders:
        assert sub.mod.listdir(folder) == numpy_only.visible_entries(folder), folder


@pytest.mark.parametrize("mode", MODES)
def test_the_other_sandbox_keeps_every_library(sandbox, mode):
    """Does a sandbox for modules that may use any library still import SciPy, with nothing reported?"""
    sub = sandbox(mode, numpy_only=False)
    assert sub.mod.with_scipy() == 5.0
    assert sub.loaded_libraries() == []


def test_a_library_loaded_before_a_timeout_is_still_seen(sandbox):
    """Without bubblewrap, when a worker that loaded SciPy is killed at a call's time limit (an import
    of torch can take that long), does the judge still know SciPy was loaded?"""
    sub = sandbox("rlimits")
    assert sub.mod.with_scipy() == 5.0
    sub.call_limit = 0.5
    with pytest.raises(StudentTimeout):
        sub.mod.spin()
    assert "scipy" in sub.loaded_libraries()


def test_a_folder_holding_python_itself_is_left_out_of_the_import_path(tmp_path):
    """An import path entry that holds the interpreter or the standard library (a home folder with
    pyenv in it) cannot be covered without hiding Python: is it left out of the package folders and
    of a NumPy-only server's import path, while the standard library and NumPy's folder stay?"""
    holder = str(Path(sys.prefix).resolve().parent)
    other = tmp_path / "vendored"
    other.mkdir()
    sys_path = [holder, str(other), *sys.path[1:]]
    folders = numpy_only.package_folders(sys_path)
    assert holder not in folders and str(other) in folders
    path = numpy_only.import_path(sys_path, folders)
    assert holder not in path and str(other) in path
    assert sysconfig.get_path("stdlib") in path and any(Path(p).resolve() == Path(NUMPY_FOLDER) for p in path)
