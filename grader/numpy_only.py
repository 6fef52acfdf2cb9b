"""NumPy only: modules whose code may use NumPy and the Python standard library, nothing else.

A course that teaches how an optimizer, a gradient or a convolution works cannot let
``torch.optim``, autograd or scikit-learn do the work. A week's rubric says which of its
modules are NumPy-only (all of them unless ``[week] any_library`` lists some; see
`grader.course.Week.numpy_only`), and the rule is enforced from outside the student's
process, by a fork server of their own that has imported NumPy alone:

* under bubblewrap, every folder that server could import third-party packages from (each
  folder of its import path that is not the standard library, and the system's
  site-packages and dist-packages folders) shows NumPy's own entries only (`VISIBLE`): torch,
  SciPy, scikit-learn, JAX, TensorFlow and any pure-Python autodiff package are simply
  absent, so importing one fails, and the judge turns that ImportError into the rule's
  message (`forbidden_import`);
* without bubblewrap, nothing stops an import, so the judge reads the worker's memory map
  (``/proc/<pid>/maps``) after each check and after each import of a module: a shared
  library loaded from one of those folders, NumPy's excepted, or one of the known
  deep-learning runtimes wherever it lies (`RUNTIMES`), fails the check
  (`loaded_libraries`; a worker killed at a time limit is read first, since importing torch
  can take that long). Importing a library leaves it on that map; only a deliberate
  evasion (unmapping it again through ctypes) would take it off, and pure-Python packages
  leave no trace there at all: without bubblewrap student code can read the whole disk
  anyway, and this is one more reason to grade under bubblewrap.

Either way the feedback names the module and the library (`message`).
"""

from __future__ import annotations

import functools
import glob
import os
import re
import sys
import sysconfig
from pathlib import Path

# Entries of a package folder a NumPy-only sandbox sees: NumPy, its bundled libraries
# (numpy.libs: OpenBLAS, gfortran) and its metadata.
VISIBLE = re.compile(r"^numpy(\.libs|-[^/]+\.(dist|egg)-info)?$")
# Shared libraries of deep-learning runtimes, wherever they are installed (a system-wide libtorch,
# a copy in /tmp): file names starting with these name their library.
RUNTIMES = {"libtorch": "torch", "libc10": "torch", "libtensorflow": "tensorflow", "libjax": "jax",
            "libxla": "jax", "libmxnet": "mxnet", "libonnxruntime": "onnxruntime"}
# Package folder entries whose import name differs from the name a student knows.
ALIASES = {"scikit_learn": "sklearn", "jaxlib": "jax", "tensorflow_core": "tensorflow", "torchgen": "torch",
           "functorch": "torch"}
# A site-packages folder of a Python installation that the interpreter does not list on its import
# path, but a student could append to it (the system's Python beside a pyenv or virtual environment).
SYSTEM_PACKAGE_GLOBS = ("lib/python3*/site-packages", "lib/python3*/dist-packages", "lib/python3/dist-packages",
                        "lib64/python3*/site-packages")

NOT_FOUND = re.compile(r"^No module named '([^']+)'")
# The libraries a message names first when a worker has loaded several (scikit-learn loads SciPy, and
# both load helper libraries with names no student would recognise).
WELL_KNOWN = ("torch", "tensorflow", "jax", "sklearn", "scipy", "autograd", "cupy", "numba", "sympy", "pandas")


def _stdlib() -> set[str]:
    names = {sysconfig.get_path("stdlib"), sysconfig.get_path("platstdlib")}
    names |= {os.path.join(p, "lib-dynload") for p in list(names)}
    return {str(Path(p).resolve()) for p in names if p}


def _python_itself() -> set[str]:
    """Folders holding the interpreter and its standard library, which no cover may hide."""
    exe = Path(sys.executable).resolve()
    return _stdlib() | {str(Path(p).resolve()) for p in (sys.prefix, sys.base_prefix, exe.parent)}


def package_folders(sys_path: list[str]) -> list[str]:
    """The folders a NumPy-only sandbox must not show whole: every folder of the child's
    import path that is not the standard library, and the system's site-packages and
    dist-packages folders (absolute, resolved, outermost only). A folder that holds the
    interpreter or the standard library (an unusual import path entry such as a home
    folder with pyenv in it) cannot be covered: it is left out here, and out of a NumPy-only
    server's import path (`import_path`)."""
    python = _python_itself()
    found = set()
    for entry in sys_path:
        if entry and os.path.isdir(entry):
            found.add(str(Path(entry).resolve()))
    for prefix in {sys.prefix, sys.base_prefix, "/usr", "/usr/local"}:
        for pattern in SYSTEM_PACKAGE_GLOBS:
            found.update(str(Path(p).resolve()) for p in glob.glob(os.path.join(prefix, pattern)) if os.path.isdir(p))
    found = {f for f in found if not any(p == f or p.startswith(f + "/") for p in python)}
    ordered = sorted(found)
    return [p for p in ordered if not any(p.startswith(q + "/") for q in ordered if q != p)]


def import_path(sys_path: list[str], folders) -> list[str]:
    """A NumPy-only server's import path: the entries of `sys_path` that are the standard
    library (a zip archive of it too) or lie in one of the package `folders` (which show NumPy
    alone); any other entry would show whatever it holds."""
    stdlib = _stdlib()
    covered = tuple(f.rstrip("/") + "/" for f in folders)
    out = []
    for entry in sys_path:
        if not entry:
            continue
        p = str(Path(entry).resolve())
        if p in stdlib or (p + "/").startswith(covered) or (os.path.isfile(p) and p.endswith(".zip")):
            out.append(entry)
    return out


def visible_entries(folder: str) -> list[str]:
    """The entries of `folder` that a NumPy-only sandbox shows (NumPy's)."""
    try:
        return sorted(name for name in os.listdir(folder) if VISIBLE.match(name))
    except OSError:
        return []


def package_view(folders) -> dict[str, list[str]]:
    """folder -> the entries a NumPy-only sandbox shows of it, for each of `folders` (the
    `package_folders`), as `isolation.bwrap_command` takes it."""
    return {folder: visible_entries(folder) for folder in folders}


def library_name(entry: str) -> str:
    """The import name a package folder entry stands for: 'torch.libs' -> 'torch',
    'scikit_learn.libs' -> 'sklearn', 'six.py' -> 'six', '_cffi_backend.cpython-311-….so' -> '_cffi_backend'."""
    name = entry.split(".", 1)[0].split("-", 1)[0]
    return ALIASES.get(name, name)


@functools.lru_cache(maxsize=8)
def hidden_names(folders: tuple[str, ...]) -> frozenset[str]:
    """Top-level names importable from `folders` that a NumPy-only sandbox hides."""
    names = set()
    for folder in folders:
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            if VISIBLE.match(entry) or entry.startswith((".", "__")) or entry.endswith((".dist-info", ".egg-info",
                                                                                         ".pth", ".txt")):
                continue
            stem = entry.split(".", 1)[0]
            if stem.isidentifier():
                names.add(stem)
                names.add(library_name(entry))
    return frozenset(names)


def forbidden_import(info: dict, folders: tuple[str, ...]) -> str | None:
    """The library a failed import in student code wanted, when it is one a NumPy-only sandbox
    hides (installed, but not NumPy); None for anything else (a typo, a missing name in NumPy).
    `info` is the worker's description of the exception (type, message)."""
    if info.get("type") not in ("ModuleNotFoundError", "ImportError"):
        return None
    m = NOT_FOUND.match(str(info.get("message", "")))
    if not m:
        return None
    top = m.group(1).split(".", 1)[0]
    return ALIASES.get(top, top) if top in hidden_names(tuple(folders)) else None


def loaded_libraries(pid: int, folders: tuple[str, ...]) -> list[str]:
    """The libraries other than NumPy whose shared objects process `pid` has mapped: those
    loaded from `folders` (named by their entry there) and the known runtimes (`RUNTIMES`)
    wherever they lie, the best known first. Empty when the map cannot be read (the process
    is gone)."""
    try:
        with open(f"/proc/{pid}/maps", "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return []
    prefixes = tuple(folder.rstrip("/") + "/" for folder in folders)
    found = set()
    for line in text.splitlines():
        parts = line.split(maxsplit=5)
        if len(parts) < 6 or not parts[5].startswith("/"):
            continue
        path = parts[5].removesuffix(" (deleted)")
        for prefix in prefixes:
            if path.startswith(prefix):
                entry = path[len(prefix):].split("/", 1)[0]
                if not VISIBLE.match(entry):
                    found.add(library_name(entry))
                break
        else:
            base = os.path.basename(path)
            found.update(lib for stem, lib in RUNTIMES.items() if base.startswith(stem))
    return sorted(found, key=_prominence)


def _prominence(name: str) -> tuple:
    """Sort key: the well-known libraries first, then readable names, then the rest."""
    known = WELL_KNOWN.index(name) if name in WELL_KNOWN else len(WELL_KNOWN)
    return known, not (name[:1].isalpha() and not name.startswith("_")), name


def message(module: str, library: str, *, at_import: bool = False) -> str:
    """The rule, as the student reads it."""
    rule = f"{module}.py may use NumPy and the Python standard library only; it imported {library}"
    if at_import:
        return (f"{rule} when it was loaded, so none of its functions could be graded. Remove that import, "
                f"even if nothing uses it: an unused `import {library}` at the top of the file is enough to fail.")
    return f"{rule}."


__all__ = ["package_folders", "package_view", "import_path", "forbidden_import", "loaded_libraries", "message", "VISIBLE"]
