"""Checks: small registered functions with a student-facing message.

A week declares its checks in ``assignments/<week>/public_<module>.py`` (shipped
to students) and ``hidden_<module>.py`` (kept by the instructor), one pair per
module file of the week::

    @check("week1.adam", points=2)
    def adam_matches_torch(sub, ref):
        \"\"\"Check that Adam matches torch.optim.Adam over 50 steps.\"\"\"
        ...

A check passes by returning None, fails by raising `CheckFailed` with a message a
student can act on, and earns partial credit by returning `Partial`. The file a
check is declared in sets its visibility. `sub` is the student's code behind the
sandbox (`grader.sandbox.Session`); `ref` is the `Reference`: the reference
solution's modules (hidden checks only), the chosen device and the week's rubric.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import tomllib
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .scoring import HIDDEN, PUBLIC

CHECK_PREFIXES = {"public_": PUBLIC, "hidden_": HIDDEN}


class ChecksError(Exception):
    """A week's check files are broken: the grader cannot run (not the student's fault)."""


class CheckFailed(AssertionError):
    """The student's code ran but its result is wrong; the message says how.

    `mistake` names the known mistake the wrong result is exactly what it gives ("Adam
    without bias correction"), when one was recognised: reports render it and class
    summaries count it, from this field, never by reading the message back.
    """

    def __init__(self, message: str = "", mistake: str | None = None):
        super().__init__(message)
        self.mistake = mistake or None


@dataclass
class Partial:
    """Partial credit: `fraction` of the check's points, with a message."""

    fraction: float
    message: str = ""


@dataclass
class Check:
    exercise: str
    fn: Callable
    points: float
    name: str
    visibility: str = PUBLIC
    timeout: float | None = None  # per-call limit for this check, overriding the week's

    @property
    def key(self) -> str:
        return f"{self.exercise}:{self.fn.__name__}"


# Checks by the module that declares them (fn.__module__), in declaration order: a check
# file that imports a sibling check file does not collect the sibling's checks as its own.
_declared: dict[str, list[Check]] = {}


def check(exercise: str, points: float = 1, name: str | None = None, timeout: float | None = None):
    """Register the decorated function as a check of `exercise` worth `points`.
    Its name in reports is `name`, or its docstring's first line without the
    leading "Check that "."""
    if not exercise.startswith("week") or "." not in exercise:
        raise ValueError(f"exercise id {exercise!r} is not of the form weekN.name")

    def register(fn):
        title = name or _title_from_doc(fn)
        c = Check(exercise=exercise, fn=fn, points=float(points), name=title, timeout=timeout)
        _declared.setdefault(fn.__module__, []).append(c)
        fn.check = c
        return fn

    return register


def _title_from_doc(fn) -> str:
    doc = (fn.__doc__ or "").strip().splitlines()
    if not doc:
        raise ValueError(f"check {fn.__name__} needs a docstring ('Check that ...')")
    first = doc[0].strip().rstrip(".")
    for prefix in ("Check that ", "Checks that "):
        if first.startswith(prefix):
            first = first[len(prefix):]
    return first


_loaded: dict[tuple, list[Check]] = {}


def load_checks(assignment_dir: Path, include_hidden: bool) -> list[Check]:
    """Import the week's check files (public first) and return their checks in
    declaration order. Hidden checks are loaded only when asked for. Loaded files
    are kept until they change, so oracles a check memoises serve a whole batch."""
    assignment_dir = Path(assignment_dir).resolve()
    files = sorted([*assignment_dir.glob("*.py"), *assignment_dir.glob("rubric.toml")])
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in files)
    key = (assignment_dir, include_hidden, stamp)
    if key not in _loaded:
        _loaded[key] = _load_checks(assignment_dir, include_hidden)
    return _loaded[key]


def _load_checks(assignment_dir: Path, include_hidden: bool) -> list[Check]:
    pkg_name = f"_dlgrade_assignment_{assignment_dir.name}_{hashlib.sha1(str(assignment_dir).encode()).hexdigest()[:10]}"
    for name in [n for n in sys.modules if n == pkg_name or n.startswith(pkg_name + ".")]:
        del sys.modules[name]  # a reload after a change starts from scratch
    for name in [n for n in _declared if n.startswith(pkg_name + ".")]:
        del _declared[name]
    pkg = types.ModuleType(pkg_name)
    pkg.__path__ = [str(assignment_dir)]
    sys.modules[pkg_name] = pkg
    found: list[Check] = []
    files = [(p, vis) for prefix, vis in CHECK_PREFIXES.items() for p in sorted(assignment_dir.glob(f"{prefix}*.py"))]
    for path, visibility in files:
        if visibility == HIDDEN and not include_hidden:
            continue
        name = f"{pkg_name}.{path.stem}"
        try:
            # A sibling imported earlier (``from .public_conv import …``) is already loaded:
            # importing it runs it once, under this same name, and its checks are its own.
            importlib.import_module(name)
        except Exception as e:
            raise ChecksError(f"the check file {path} could not be loaded: {type(e).__name__}: {e}") from e
        mine = _declared.get(name, [])
        for c in mine:
            c.visibility = visibility
        found += mine
    keys = [c.key for c in found]
    dupes = {k for k in keys if keys.count(k) > 1}
    if dupes:
        raise ValueError(f"checks declared twice: {sorted(dupes)}")
    return found


def load_rubric(near: str | Path) -> dict:
    """The rubric.toml of the week whose assignment folder holds `near` (a file or folder)."""
    p = Path(near)
    folder = p if p.is_dir() else p.parent
    with open(folder / "rubric.toml", "rb") as f:
        return tomllib.load(f)


class ReferenceUnavailable(RuntimeError):
    """A check asked for the reference solution where it is not available."""


@dataclass
class Reference:
    """What a check may use besides the student's code: the reference solution's
    modules as attributes (``ref.optimizers.Adam``; hidden checks only), the device
    chosen for training runs, and the week's rubric."""

    solution_dir: Path | None
    package: str
    device: str = "cpu"
    rubric: dict = field(default_factory=dict)
    _modules: dict = field(default_factory=dict)

    def __getattr__(self, module: str):
        if module.startswith("_"):
            raise AttributeError(module)
        if self.solution_dir is None:
            raise ReferenceUnavailable("this check needs the reference solution, which is not available here")
        if module not in self._modules:
            self._modules[module] = self._load(module)
        return self._modules[module]

    def _load(self, module: str):
        path = self.solution_dir / f"{module}.py"
        if not path.is_file():
            raise ReferenceUnavailable(f"the reference solution has no {module}.py")
        # One private package per solutions folder, so two course roots never share modules.
        pkg_name = f"_dlgrade_reference_{self.package}_{hashlib.sha1(str(self.solution_dir).encode()).hexdigest()[:10]}"
        if pkg_name not in sys.modules:
            pkg = types.ModuleType(pkg_name)
            pkg.__path__ = [str(self.solution_dir)]
            sys.modules[pkg_name] = pkg
        return importlib.import_module(f"{pkg_name}.{module}")

    def public(self) -> "Reference":
        """The view public checks get: no reference solution, so they behave the
        same on a student's machine."""
        return Reference(None, self.package, self.device, self.rubric)
