"""Where the course lives on disk, and how a week is named.

A course root is a folder holding ``assignments/`` (and, on an instructor's
machine, ``solutions/`` and ``student_template/``). The grader finds it from
``--course``, then ``$DLGRADE_COURSE``, then the current folder and its parents,
then the checkout this package was installed from.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import tomllib
import types
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

WEEKS = (
    "week1_linear_models",
    "week2_neural_networks",
    "week3_cnn",
    "week4_autoencoders",
    "week5_rnn",
    "week6_captioning",
)

SOLUTION_BEGIN = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION(?:[ \t]+(?P<id>week\d+\.\w+))?[ \t]*$")
SOLUTION_END = re.compile(r"^[ \t]*### END SOLUTION[ \t]*$")
STUB_ID = re.compile(r"""raise NotImplementedError\(\s*["'](?P<id>week\d+\.\w+)["']\s*\)""")


class CourseError(Exception):
    """The course folder or a week's files are not where or what they should be."""


def find_course_root(explicit: str | os.PathLike | None = None) -> Path:
    """Return the course root (the folder holding ``assignments/``)."""
    candidates: list[Path] = []
    if explicit:
        candidates.append(Path(explicit))
    elif os.environ.get("DLGRADE_COURSE"):
        candidates.append(Path(os.environ["DLGRADE_COURSE"]))
    else:
        here = Path.cwd().resolve()
        candidates += [here, *here.parents]
        candidates.append(Path(__file__).resolve().parent.parent)
    for c in candidates:
        if (c / "assignments").is_dir():
            return c.resolve()
    where = ", ".join(str(c) for c in candidates[:3])
    raise CourseError(f"no course found (looked for an assignments/ folder in {where}); pass --course DIR")


WEEK_FOLDER = re.compile(r"week(?P<n>\d+)_\w+")


def available_weeks(course: str | os.PathLike) -> list[str]:
    """The weeks released in `course`: the ``assignments/<week>/`` folders holding a rubric, in
    week order (a course may add weeks the grader does not know by name)."""
    folder = Path(course) / "assignments"
    try:
        names = [p.name for p in folder.iterdir() if WEEK_FOLDER.fullmatch(p.name) and (p / "rubric.toml").is_file()]
    except OSError:
        return []
    return sorted(names, key=lambda n: (int(WEEK_FOLDER.fullmatch(n).group("n")), n))


def _listed(weeks) -> str:
    return ", ".join(short_id(w) for w in weeks) or "none"


def readable_dir(path: str | os.PathLike) -> Path:
    """`path` as a Path, when it is a folder whose entries can be listed; else CourseError saying why."""
    p = Path(path)
    if not p.is_dir():
        raise CourseError(f"{path} is not a folder")
    try:
        list(p.iterdir())
    except OSError as e:
        raise CourseError(f"{path} cannot be read ({e.strerror})") from None
    return p


def resolve_week(name: str, available: list[str] | None = None) -> str:
    """Map ``week1`` or ``week1_linear_models`` to the week's folder name: one of the
    course's weeks (`WEEKS`) or of `available` (`available_weeks`), which the error lists
    when given."""
    name = name.strip().rstrip("/").split("/")[-1]
    for week in [*WEEKS, *(available or ())]:
        if name == week or name == short_id(week):
            return week
    known = available if available is not None else WEEKS
    raise CourseError(f"unknown week {name!r}; expected one of {_listed(known)}")


def short_id(week: str) -> str:
    """``week1_linear_models`` -> ``week1``."""
    return week.split("_")[0]


@dataclass
class Week:
    """One week of the course: its folders, its rubric, its module files."""

    root: Path
    name: str
    rubric: dict = field(default_factory=dict)

    @classmethod
    def load(cls, week: str, root: str | os.PathLike | None = None) -> "Week":
        course = find_course_root(root)
        available = available_weeks(course)
        name = resolve_week(week, available)
        rubric_path = course / "assignments" / name / "rubric.toml"
        if not rubric_path.is_file():
            raise CourseError(f"{name} is not released in the course at {course} (available: {_listed(available)})")
        with open(rubric_path, "rb") as f:
            rubric = tomllib.load(f)
        return cls(root=course, name=name, rubric=rubric)

    @property
    def short(self) -> str:
        return short_id(self.name)

    @property
    def assignment_dir(self) -> Path:
        return self.root / "assignments" / self.name

    @property
    def solution_dir(self) -> Path:
        return self.root / "solutions" / self.name

    @property
    def template_dir(self) -> Path:
        return self.root / "student_template" / self.name

    @property
    def modules(self) -> list[str]:
        """The week's module names (file stems), in teaching order, from the rubric."""
        return list(self.rubric["week"]["modules"])

    @property
    def numpy_only(self) -> set[str]:
        """The modules whose code may use NumPy and the Python standard library only: every
        module but those the rubric's ``[week] any_library`` lists (see `grader.numpy_only`)."""
        free = self.rubric["week"].get("any_library", [])
        if isinstance(free, str) or not all(isinstance(m, str) for m in free):
            raise CourseError(f"{self.name}: [week] any_library must be a list of module names, not {free!r}")
        unknown = set(free) - set(self.modules)
        if unknown:
            raise CourseError(f"{self.name}: [week] any_library names {', '.join(sorted(unknown))}, which "
                              f"[week] modules does not list")
        return set(self.modules) - set(free)

    @property
    def title(self) -> str:
        return self.rubric["week"].get("title", self.name)

    @property
    def trains(self) -> bool:
        """Whether grading the week trains models (a rubric table names epochs): its jobs ask a
        cluster for a GPU when they may use one (`grader.ray_executor`)."""
        return any(isinstance(t, dict) and "epochs" in t for t in self.rubric.values())

    @property
    def data_files(self) -> list[Path]:
        """The week's data modules: the Python files of ``assignments/<week>/`` that are neither
        checks (``public_*``, ``hidden_*``) nor the notebook's source (week 6's ``scenes.py``, the
        generator of its data). They ship with the public checks, which import them relatively;
        the grader draws its held-out data from them with the course secret."""
        return sorted(p for p in self.assignment_dir.glob("*.py")
                      if not p.name.startswith(("public_", "hidden_")) and p.name != "notebook.py")

    def data_module(self, name: str) -> types.ModuleType:
        """The week's data module `name` (``"scenes"``), imported on its own from its file."""
        path = self.assignment_dir / f"{name}.py"
        if path not in self.data_files:
            raise CourseError(f"{self.name} has no data module {name!r} (its data modules: "
                              f"{', '.join(p.stem for p in self.data_files) or 'none'})")
        module_name = f"_dlgrade_data_{self.name}_{name}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module  # dataclasses look their module up while the file runs
        spec.loader.exec_module(module)
        return module

    @cached_property
    def exercise_modules(self) -> dict[str, str]:
        """Exercise id -> module stem, in teaching order, read from the stubs (or the
        solutions' markers where no template exists)."""
        found: dict[str, str] = {}
        for module in self.modules:
            for folder, pattern in ((self.template_dir, STUB_ID), (self.solution_dir, SOLUTION_BEGIN)):
                path = folder / f"{module}.py"
                if path.is_file():
                    for line in path.read_text().splitlines():
                        m = pattern.search(line)
                        if m and m.group("id"):
                            found.setdefault(m.group("id"), module)
                    break
        return found
