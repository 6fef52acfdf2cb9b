"""The student kit: a folder students can work in, with nothing of the instructor's.

``dlgrade kit OUT [WEEK ...]`` writes, for every released week (or those named):

- ``student_template/<week>/``: the stubs, the week's README and the week's notebook
  ``<week>.ipynb``, as nbgrader's release makes it: hidden tests removed, solution
  regions stubbed, outputs cleared;
- ``assignments/<week>/``: ``rubric.toml`` (tolerances, thresholds and limits that the
  public checks read, with their calibration notes; no secret is kept there: the
  held-out data come from the course secret, `grader.heldout`) and the public checks
  ``public_*.py``. Hidden checks stay with the instructor;
- the grader (``grader/``, ``pyproject.toml``) and a ``README.md`` for students.

Never in it: ``solutions/``, ``hidden_*.py``, ``examples/`` (the known-bad examples are
patches applied to the reference, so they would carry the solutions), the notebooks'
sources, the course secret. `build_kit` checks the result before it puts it in place.
Students install the kit with ``pip install -e KIT`` and run ``dlgrade check`` and the
notebook from any folder.
"""

from __future__ import annotations

import copy
import re
import shutil
import tempfile
from pathlib import Path

from .course import SOLUTION_BEGIN, SOLUTION_END, Week, available_weeks, find_course_root, resolve_week

HIDDEN_MARK = "BEGIN HIDDEN TESTS"
SOLUTION_MARK = "BEGIN SOLUTION"
CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")  # what nbgrader's release writes
ANSWER_STUB = "YOUR ANSWER HERE"


class KitError(ValueError):
    """The kit cannot be built, or what was built holds something students must not get."""


def released_weeks(root: Path) -> list[str]:
    """Weeks with a rubric and a student template, in course order."""
    return [w for w in available_weeks(root) if (root / "student_template" / w).is_dir()]


def stub_solution_regions(source: str, markdown: bool = False) -> str:
    """`source` with every ``### BEGIN SOLUTION`` … ``### END SOLUTION`` region replaced by
    nbgrader's stub: ``# YOUR CODE HERE`` and ``raise NotImplementedError()`` at the region's
    indentation in code, ``YOUR ANSWER HERE`` in Markdown."""
    if SOLUTION_MARK not in source:
        return source
    out: list[str] = []
    indent = None
    for line in source.splitlines():
        begin = SOLUTION_BEGIN.match(line) if indent is None else None
        if begin or (indent is None and line.strip().startswith(f"### {SOLUTION_MARK}")):
            indent = begin.group("indent") if begin else line[: len(line) - len(line.lstrip())]
            out += [ANSWER_STUB] if markdown else [indent + s for s in CODE_STUB]
        elif indent is not None:
            if SOLUTION_END.match(line):
                indent = None
        else:
            out.append(line)
    if indent is not None:
        raise KitError("a notebook cell opens a solution region it never closes")
    return "\n".join(out)


def student_notebook(nb):
    """A copy of the notebook `nb` as students get it (nbgrader's release: hidden tests
    removed, solution regions stubbed), with every output cleared."""
    from .nbgrader_bridge import strip_hidden_tests

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = stub_solution_regions(strip_hidden_tests(cell.source))
            cell.outputs = []
            cell.execution_count = None
        elif cell.cell_type == "markdown":
            cell.source = stub_solution_regions(cell.source, markdown=True)
    return nb


def _week_notebook(week: Week):
    """The week's committed notebook, else the one its source builds; None without either."""
    import nbformat

    from .notebook import build_notebook, notebook_path

    if notebook_path(week).is_file():
        return nbformat.read(notebook_path(week), as_version=4)
    if (week.assignment_dir / "notebook.py").is_file():
        return build_notebook(week)
    return None


def _grader_source() -> tuple[Path, Path]:
    """This grader's package folder and the pyproject.toml it was installed from."""
    package = Path(__file__).resolve().parent
    pyproject = package.parent / "pyproject.toml"
    if not pyproject.is_file():
        raise KitError(f"the grader at {package} has no pyproject.toml beside it: build the kit from a checkout "
                       f"of dlgrade (pip install -e .)")
    return package, pyproject


def copy_grader(dest: Path) -> None:
    """Copy the grader package and its pyproject.toml into `dest` (no caches)."""
    package, pyproject = _grader_source()
    shutil.copytree(package, dest / "grader", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(pyproject, dest / "pyproject.toml")


def min_python(pyproject: str) -> str:
    """The lowest Python version that the text of a pyproject.toml allows in its
    ``requires-python`` (">=3.11" -> "3.11"); 3.11 where it says nothing so plain."""
    m = re.search(r'requires-python\s*=\s*"\s*>=\s*(\d+\.\d+)', pyproject)
    return m.group(1) if m else "3.11"


def public_checks(week: Week) -> list[Path]:
    """The week's public check files, which must not import hidden ones (not in the kit), nor may
    the data modules that ship with them."""
    public = sorted(week.assignment_dir.glob("public_*.py"))
    for path in [*public, *week.data_files]:
        if re.search(r"^\s*(from|import)\s+\S*hidden_", path.read_text(), re.MULTILINE):
            raise KitError(f"{path} imports a hidden check file; public checks must stand alone")
    return public


def _copy_week(week: Week, dest: Path) -> None:
    import nbformat

    public = public_checks(week)
    assignment = dest / "assignments" / week.name
    assignment.mkdir(parents=True)
    for path in [week.assignment_dir / "rubric.toml", *public, *week.data_files]:
        shutil.copy2(path, assignment / path.name)
    template = dest / "student_template" / week.name
    shutil.copytree(week.template_dir, template, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.ipynb"))
    nb = _week_notebook(week)
    if nb is not None:
        nbformat.write(student_notebook(nb), template / f"{week.name}.ipynb")


def leaks(kit: Path) -> list[str]:
    """What in `kit` students must not get: hidden check files, solutions or examples
    folders, and files holding solution or hidden-test markers. The grader package is the
    engine students run their checks with; it names the markers (to strip them) and holds
    no exercise's code, so its files must be this grader's own, unchanged."""
    package, _ = _grader_source()
    found = []
    for path in sorted(kit.rglob("*")):
        rel = path.relative_to(kit)
        if path.is_dir():
            if path.name in ("solutions", "examples"):
                found.append(f"{rel}/: a {path.name} folder")
            continue
        if path.name.startswith("hidden_"):
            found.append(f"{rel}: a hidden check file")
        elif rel.parts[0] == "grader":
            original = package.joinpath(*rel.parts[1:])
            if not original.is_file() or original.read_bytes() != path.read_bytes():
                found.append(f"{rel}: not the grader's own file")
        else:
            text = path.read_text(errors="replace")
            for mark in (SOLUTION_MARK, HIDDEN_MARK):
                if mark in text:
                    found.append(f"{rel}: holds '{mark}'")
    return found


def kit_readme(weeks: list[Week], python: str) -> str:
    """The kit's README.md, for students."""
    first = weeks[0]
    rows = "\n".join(
        f"| `{w.short}` | {w.title} | `student_template/{w.name}/` | "
        f"{', '.join(f'`{m}.py`' for m in w.modules)} |" for w in weeks)
    notebook = f"{first.name}.ipynb"
    return f"""\
# Introduction to Deep Learning: student kit

Everything you need to do this course's exercises and check them: the stubs you fill in,
each week's notebook, the public checks and the grader that runs them. There are no
solutions and no hidden checks here. Your instructor's grading runs the public checks
and hidden ones on other inputs, so passing the public checks is necessary, not sufficient.

## Install (once)

Python {python} or newer. From this folder:

```bash
python3 -m pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu   # PyTorch's CPU build
python3 -m pip install -e . jupyter
```

Skip the first line if a torch 2.13 or newer is already installed. Keep the `-e`: the
grader then finds this kit from any folder. Otherwise, name it: `dlgrade --course
path/to/this/kit check week1`, or set `DLGRADE_COURSE=path/to/this/kit`. A warning
that your code ran with resource limits only (without bubblewrap) is harmless on your
own machine.

## The weeks

| week | topic | your folder | the files you write |
|---|---|---|---|
{rows}

## Working on a week

1. Copy the week's folder wherever you like, under any name:
   `cp -r student_template/{first.name} ~/idl/{first.short}`.
2. Read its `README.md`: each exercise's id, signature and contract. Replace each
   `raise NotImplementedError("{first.short}.…")` with your code.
3. Open the notebook in that folder: `cd ~/idl/{first.short} && jupyter lab {notebook}`, then
   *Run All*. It runs your code, explains and plots what it computes, grades each exercise
   after it (its public checks, run on your files in a separate process) and ends with
   the table of every check. Re-run it after each change; it always reads your files afresh.
4. Or check from a terminal: `dlgrade check {first.short} ~/idl/{first.short}` (from inside the
   folder, `dlgrade check {first.short}` is enough). You get a table per exercise with
   feedback on what is wrong.
5. Hand in the module files as your instructor asks.

Your code is run in a separate process with memory and time limits; only the week's
module files are used. Some files may use NumPy and the Python standard library only:
the week's README says which.
"""


def _stale(root: Path) -> list[str]:
    """Stubs and notebooks that differ from what their sources generate (where the
    sources are here: solutions/ and the notebooks' notebook.py)."""
    from .notebook import stale_notebooks
    from .template import stale_templates

    return (stale_templates(root) if (root / "solutions").is_dir() else []) + stale_notebooks(root)


def build_kit(out: str | Path, weeks: list[str] | None = None, root: str | Path | None = None) -> Path:
    """Write the student kit into `out` (which must not exist, or be empty) for `weeks`
    (default: every released week) of the course at `root`. The kit is built beside `out`
    and renamed into place once `leaks` finds nothing in it. Returns `out`."""
    root = find_course_root(root)
    available = released_weeks(root)
    if weeks:
        names = list(dict.fromkeys(resolve_week(w) for w in weeks))
        missing = [w for w in names if w not in available]
        if missing:
            raise KitError(f"{', '.join(missing)} not released (no rubric or template in {root}); "
                           f"available: {', '.join(available) or 'none'}")
    else:
        names = available
    if not names:
        raise KitError(f"no released week in {root}")
    loaded = [Week.load(w, root) for w in names]
    for week in loaded:
        public_checks(week)
    stale = [line for line in _stale(root) if any(f"/{w}/" in line for w in names)]
    if stale:
        raise KitError("the generated files are stale; run 'dlgrade template' first:\n  " + "\n  ".join(stale))
    out = Path(out).absolute()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise KitError(f"{out} exists and is not an empty folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        copy_grader(work)
        for week in loaded:
            _copy_week(week, work)
        (work / "README.md").write_text(kit_readme(loaded, min_python((work / "pyproject.toml").read_text())))
        found = leaks(work)
        if found:
            raise KitError("the kit would hold what students must not get:\n  " + "\n  ".join(found))
        work.chmod(0o755)
        if out.exists():
            out.rmdir()
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return out


def register_cli(subparsers) -> None:
    """Add ``dlgrade kit OUT [WEEK ...]`` to the CLI's subcommands."""
    k = subparsers.add_parser("kit", help="write a student kit: stubs, notebooks, public checks, the grader; "
                                          "no solutions or hidden checks")
    k.add_argument("out", help="the kit's folder (must not exist, or be empty)")
    k.add_argument("weeks", nargs="*", help="weeks to include (default: every released week)")
    k.set_defaults(func=cmd_kit)


def cmd_kit(args) -> int:
    out = build_kit(args.out, args.weeks, getattr(args, "course", None))
    print(f"student kit written to {out}; students install it with: pip install -e {out}")
    return 0

