"""A week's notebook: building it from its source, and grading from inside it.

The source is ``assignments/<week>/notebook.py`` in the "percent" format: a line
``# %%`` starts a code cell, ``# %% [markdown]`` a Markdown cell (each line
prefixed with ``# ``), and two markers stand for generated cells:

- ``# %% [selfcheck]``: runs the week's public checks and prints the table;
- ``# %% [autograde] week1.adam``: the exercise's locked nbgrader autograder cell,
  worth the exercise's points, whose hidden part sits between
  ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS`` (nbgrader strips it on release).

`build_notebook` turns the source into ``assignments/<week>/<week>.ipynb``;
``dlgrade template`` writes it and ``--check`` fails when it is stale. Cells
get stable ids, so the file only changes when its source does.

Inside the notebook, `import_week` imports the module files of the folder the
notebook runs in as the week's package, whatever that folder is called, and
`grade_exercise` and `self_check` grade them out of process, like ``dlgrade check``.
Each takes its week from its argument (``"week1"``, ``"week1.adam"``), never from
the folder's name.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import re
import sys
import types
import warnings
from pathlib import Path

from .course import Week, find_course_root, resolve_week

MARKER = re.compile(r"^# %%(?:\s+\[(?P<kind>markdown|selfcheck|autograde)\](?:\s+(?P<arg>\S+))?)?\s*$")
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


class NotebookError(ValueError):
    """The notebook source is malformed or does not match the week's exercises."""


def grade_id_of(exercise: str) -> str:
    """``week1.adam`` -> ``week1_adam`` (the nbgrader grade_id of its autograder cell)."""
    return exercise.replace(".", "_", 1)


def exercise_of_grade_id(grade_id: str) -> str:
    """``week1_adam`` -> ``week1.adam``."""
    week, _, name = grade_id.partition("_")
    return f"{week}.{name}"


def notebook_path(week: Week) -> Path:
    return week.assignment_dir / f"{week.name}.ipynb"


def exercise_points(week: Week) -> dict[str, float]:
    """Each exercise's total points over its public and hidden checks."""
    from .registry import load_checks

    points: dict[str, float] = {}
    for c in load_checks(week.assignment_dir, include_hidden=True):
        points[c.exercise] = points.get(c.exercise, 0.0) + c.points
    return points


def _autograde_source(exercise: str, module: str | None) -> str:
    files = f"your {module}.py" if module else "your module files"  # an exercise without a stub of its own
    return "\n".join([
        f"# Autograder for {exercise}: runs the checks on {files} in a separate process.",
        "from grader.notebook import grade_exercise",
        f'points = grade_exercise("{exercise}")',
        HIDDEN_BEGIN,
        f'points = grade_exercise("{exercise}", hidden=True)',
        HIDDEN_END,
        "points",
    ])


def _selfcheck_source(week: Week) -> str:
    return "\n".join([
        "# Check your work: the public checks of every exercise, run on your module files.",
        "from grader.notebook import self_check",
        f'self_check("{week.short}")',
    ])


def parse_source(text: str) -> list[tuple[str, str | None, str]]:
    """Split percent-format source into (kind, argument, body) cells."""
    cells: list[tuple[str, str | None, list[str]]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if line.startswith("# %%"):
            m = MARKER.match(line)
            if not m:
                raise NotebookError(f"line {n}: unknown cell marker {line!r}")
            cells.append((m.group("kind") or "code", m.group("arg"), []))
        elif cells:
            cells[-1][2].append(line)
        elif line.strip():
            raise NotebookError(f"line {n}: text before the first cell marker")
    out = []
    for kind, arg, lines in cells:
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        if kind == "markdown":
            bad = [ln for ln in lines if ln and not (ln == "#" or ln.startswith("# "))]
            if bad:
                raise NotebookError(f"markdown line not starting with '# ': {bad[0]!r}")
            lines = [ln[2:] if ln.startswith("# ") else "" for ln in lines]
        elif kind in ("selfcheck", "autograde") and lines:
            raise NotebookError(f"the [{kind}] marker stands alone; found a body under it: {lines[0]!r}")
        out.append((kind, arg, "\n".join(lines)))
    return out


def build_notebook(week: Week | str):
    """The week's notebook (nbformat v4) built from ``assignments/<week>/notebook.py``."""
    import nbformat

    week = week if isinstance(week, Week) else Week.load(week)
    source = week.assignment_dir / "notebook.py"
    if not source.is_file():
        raise NotebookError(f"{week.name} has no notebook source at {source}")
    points = exercise_points(week)
    modules = week.exercise_modules
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    seen: list[str] = []
    for n, (kind, arg, body) in enumerate(parse_source(source.read_text())):
        cell_id = f"{week.short}-{n:03d}"
        if kind == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(body, id=cell_id))
        elif kind == "code":
            nb.cells.append(nbformat.v4.new_code_cell(body, id=cell_id))
        elif kind == "selfcheck":
            nb.cells.append(nbformat.v4.new_code_cell(_selfcheck_source(week), id=cell_id))
        else:
            if arg not in points:
                raise NotebookError(f"[autograde] {arg}: not an exercise of {week.name} with checks")
            if arg in seen:
                raise NotebookError(f"[autograde] {arg} appears twice")
            seen.append(arg)
            cell = nbformat.v4.new_code_cell(_autograde_source(arg, modules.get(arg)), id=grade_id_of(arg))
            cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": points[arg],
                                         "grade_id": grade_id_of(arg), "schema_version": 3}
            nb.cells.append(cell)
    missing = [e for e in points if e not in seen]
    if missing:
        raise NotebookError(f"{week.name}'s notebook has no [autograde] cell for {', '.join(missing)}")
    return nb


def _render(week: Week) -> str:
    import nbformat

    return nbformat.writes(build_notebook(week)) + "\n"


def _weeks_with_notebooks(root: Path) -> list[Week]:
    return [Week.load(p.parent.name, root) for p in sorted((root / "assignments").glob("week*/notebook.py"))]


def write_notebooks(root: Path) -> list[Path]:
    """Build every week's notebook from its source; return the files that changed."""
    changed = []
    for week in _weeks_with_notebooks(root):
        text, path = _render(week), notebook_path(week)
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)
            changed.append(path)
    return changed


def stale_notebooks(root: Path) -> list[str]:
    """Notebooks that differ from what their source builds (empty when fresh)."""
    return [f"{notebook_path(w).relative_to(root)} (changed)" for w in _weeks_with_notebooks(root)
            if not notebook_path(w).is_file() or notebook_path(w).read_text() != _render(w)]


# ---------------------------------------------------------------------------
# Inside a notebook


def import_week(week: str, folder: str | Path | None = None) -> types.ModuleType:
    """Import the module files in `folder` (default: the current folder, where the
    week's notebook runs) as the week's package, ``week1_linear_models`` for
    ``"week1"``, whatever the folder is called, so that ``from week1_linear_models
    import optimizers`` and the modules' relative imports (``from .layers import
    Dense``) read those files. Every call imports them afresh (the modules of an
    earlier call are dropped), so that edits count without restarting the kernel.
    Returns the package."""
    name = resolve_week(week)
    folder = Path(folder or Path.cwd()).resolve()
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder")
    for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
        del sys.modules[key]
    importlib.invalidate_caches()  # files written since the last import are seen
    init = folder / "__init__.py"
    if init.is_file():
        spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(folder)])
    else:  # no __init__.py: a package that only holds the folder's modules
        spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
        spec.submodule_search_locations = [str(folder)]
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    try:
        if spec.loader is not None:
            spec.loader.exec_module(package)
    except BaseException:
        del sys.modules[name]
        raise
    return package


def _week_of(exercise_or_week: str, course: str | None) -> Week:
    return Week.load(resolve_week(exercise_or_week.split(".")[0]), find_course_root(course))


def week_data(week: str, name: str, course: str | None = None) -> types.ModuleType:
    """The week's data module `name` from the course (``week_data("week6", "scenes")``: the
    generator of week 6's scenes, which ships with the public checks), for a notebook to draw
    data of its own with."""
    return _week_of(week, course).data_module(name)


def grade_exercise(exercise: str, hidden: bool = False, folder: str | Path | None = None,
                   course: str | None = None) -> float:
    """Grade one exercise of the module files in `folder` (default: the current
    folder, where the week's notebook runs) in a separate process: its public
    checks, or public and hidden ones with ``hidden=True`` (the instructor's side).
    Prints one line per check to stdout and returns the points earned."""
    from .report import printable

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbgrader gives 0 to a grade cell that writes to stderr
            from .engine import grade_submission

            week = _week_of(exercise, course)
            report = grade_submission(week, Path(folder or Path.cwd()), mode="grade" if hidden else "check",
                                      only={exercise})
    except Exception as e:  # the grader could not run: say so, score nothing
        print(printable(f"{exercise}: could not be graded ({type(e).__name__}: {e})"))
        return 0.0
    for r in report.results:
        label = "not implemented yet" if r.status == "not implemented" else r.status
        print(f"{label:>19}  {r.score:g}/{r.max_score:g}  {printable(r.name)}")
        for line in printable(r.output).splitlines():  # student code's text, shown as plain text
            print(f"{'':>21}{line}")
    return float(report.score)


def self_check(week: str, folder: str | Path | None = None, course: str | None = None) -> None:
    """Run the week's public checks on the module files in `folder` (default: the
    current folder) and print the per-exercise table."""
    from rich.console import Console

    from .engine import grade_submission
    from .report import render_table

    w = _week_of(week, course)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = grade_submission(w, Path(folder or Path.cwd()), mode="check")
    render_table(report, Console(file=sys.stdout, width=110, no_color=True, force_jupyter=False))
