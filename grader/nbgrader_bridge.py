"""The nbgrader workflow: an nbgrader course made from this kit, and autograding that
never runs the notebook.

``dlgrade nbgrader init COURSE_DIR`` lays out an nbgrader course (``nbgrader_config.py``
with a local exchange, ``source/<week>/`` with the week's notebook and stubs), so that
nbgrader's own generate_assignment, release_assignment, fetch_assignment, submit,
collect, generate_feedback, formgrader and export work unchanged.

``dlgrade nbgrader autograde WEEK [--nbgrader-course COURSE_DIR]`` (default: the current
folder, when it holds ``nbgrader_config.py``) replaces ``nbgrader autograde``.
nbgrader grades by executing the student's notebook in a kernel the student's cells
control (a cell can rewrite the test cells, lie in ``__eq__``, or write gradebook.db);
here the judge grades the submitted module files out of process
(`grader.engine.grade_submission`), and the notebook is only read, never run:

1. every collected submission ``submitted/<student>/<week>/`` is judged by the cohort
   pipeline of ``grade-all`` (`grader.cohort`): in parallel (``--jobs``, or a Ray cluster with
   ``--executor ray``), each student isolated, resumable from the results store
   ``dlgrade_results/<week>/`` (a re-run grades only what has no result, then records every
   stored result); a missing notebook or module file costs only what it holds. No link is followed from
   ``submitted/<student>/`` down, modules that were links in the student's inbound
   submission (collect copied their targets) are not graded, and links, copies of the
   reference and files of other owners are flagged (`grader.provenance`); bubblewrap is
   required unless isolation "rlimits" is asked for;
2. the judge's points per exercise become the ``auto_score`` of the grade cell whose
   ``grade_id`` names that exercise, in nbgrader's gradebook;
3. ``autograded/<student>/<week>/`` gets the submitted notebook with outputs cleared,
   each autograder cell restored to its released source (no hidden tests) and given
   the judge's feedback and points as outputs, so ``nbgrader generate_feedback``
   renders per-exercise feedback;
4. a submission whose saved notebook outputs claim other points than the judge gives
   is flagged (printed, written to ``dlgrade_flags.csv``, and flagged in formgrader).

gradebook.db is held in memory while student code runs and restored if anything
changed it, so a submission cannot edit its own grades either.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import importlib
import math
import re
import shutil
import sys
import textwrap
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .course import WEEKS, CourseError, Week, find_course_root
from .provenance import link_on_path
from .notebook import HIDDEN_BEGIN, HIDDEN_END, NotebookError, build_notebook, exercise_of_grade_id
from .report import clean_output, format_points, printable, status_label
from .scoring import PUBLIC, GradeReport

FLAGS_FILE = "dlgrade_flags.csv"
DEFAULT_EXECUTOR = "local"
RESULTS_FOLDER = "dlgrade_results"  # COURSE_DIR/dlgrade_results/<week>/: the results store
FLAG_COLUMNS = ("week", "student", "exercise", "notebook_reported", "judge", "judge_public", "max_points", "reason")
HIDDEN_TESTS = re.compile(rf"^[ \t]*{re.escape(HIDDEN_BEGIN)}[ \t]*$.*?^[ \t]*{re.escape(HIDDEN_END)}[ \t]*\n?",
                          re.MULTILINE | re.DOTALL)
CONFIG_TEMPLATE = '''\
# nbgrader configuration of this course, written by `dlgrade nbgrader init`.
# Run nbgrader's commands from this folder (it is the course root).
import os

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = {course_id!r}
# The local exchange: release_assignment writes here, students fetch and submit here.
c.Exchange.root = {exchange!r}
# `nbgrader autograde` (if you use it instead of `dlgrade nbgrader autograde`) would
# otherwise replace the students' module files with the stubs from source/.
c.Autograde.exclude_overwriting = {exclude!r}
'''
STUDENT_CONFIG_TEMPLATE = '''\
# nbgrader configuration for students of {course_id!r}: save it as nbgrader_config.py in
# the folder you run `nbgrader fetch_assignment` and `nbgrader submit` from (or in ~/.jupyter/).
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {course_id!r}
c.Exchange.root = {exchange!r}
'''


class BridgeError(CourseError):
    """The nbgrader course is not in a state this command can work with."""


def _nbgrader():
    try:
        importlib.import_module("nbformat")
        from nbgrader import api
    except ImportError as e:  # an optional dependency: say how to get it
        raise BridgeError(f"the nbgrader workflow needs nbgrader and nbformat ({e}); "
                          "install them with: pip install 'dlgrade[nbgrader]'") from None
    return api


@contextlib.contextmanager
def _gradebook(api, db_url: str):
    """nbgrader's Gradebook, without the SQLAlchemy warnings its own code triggers
    (api.add_submission touches relationships before the session has the object)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*not in session.*")
        with api.Gradebook(db_url) as gb:
            yield gb


# --------------------------------------------------------------------------- init


def init_course(course_dir: str | Path, weeks: list[str] | None = None, *, exchange: str | Path | None = None,
                course_id: str | None = None, root: str | Path | None = None, force: bool = False) -> list[Week]:
    """Lay out an nbgrader course in `course_dir` and return the weeks placed in it.

    Args:
        course_dir: the nbgrader course root to create or extend.
        weeks: week names (``week1`` or folder names); default every week in
            ``student_template/`` that has a notebook.
        exchange: the exchange folder; default ``<course_dir>/../exchange``.
        course_id: nbgrader's course id; default the folder's name.
        root: this kit's folder (holding ``assignments/``); found automatically by default.
        force: overwrite an existing ``source/<week>/`` and ``nbgrader_config.py``.

    Writes ``nbgrader_config.py`` (course id, exchange, and
    ``Autograde.exclude_overwriting`` so nbgrader's own autograde keeps the students'
    module files), ``nbgrader_config_student.py`` (what students need), and for each
    week ``source/<week>/<week>.ipynb`` (`grader.notebook.build_notebook`) next to a
    copy of every file of ``student_template/<week>/``.
    """
    import nbformat


    _nbgrader()
    kit = find_course_root(root)
    course_dir = Path(course_dir).resolve()
    course_id = course_id or course_dir.name
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", course_id):
        raise BridgeError(f"course id {course_id!r}: use letters, digits, '.', '_' or '-' (pass --course-id)")
    exchange = Path(exchange).resolve() if exchange else course_dir.parent / "exchange"
    explicit = bool(weeks)
    names = weeks or [w for w in WEEKS if (kit / "student_template" / w).is_dir()]
    notebooks = {}
    for name in names:
        week = Week.load(name, kit)
        if not week.template_dir.is_dir():
            raise BridgeError(f"{week.name} has no student_template/{week.name}/ (run 'dlgrade template')")
        try:
            notebooks[week.name] = (week, build_notebook(week))
        except NotebookError as e:
            if explicit:
                raise BridgeError(f"{week.name}: its notebook cannot be built: {e}") from None
            print(f"skipping {week.name}: {e}")
    if not notebooks:
        raise BridgeError("no week to place in the course (none has a notebook yet)")
    for name in notebooks:
        dest = course_dir / "source" / name
        if dest.exists() and not force:
            raise BridgeError(f"{dest} already exists; pass --force to replace it")

    course_dir.mkdir(parents=True, exist_ok=True)
    exchange.mkdir(parents=True, exist_ok=True)
    exclude = {name: sorted(p.name for p in week.template_dir.glob("*.py")) for name, (week, _) in notebooks.items()}
    config = course_dir / "nbgrader_config.py"
    if config.exists() and not force:
        print(f"kept the existing {config}; make sure it sets c.Exchange.root and "
              f"c.Autograde.exclude_overwriting (pass --force to rewrite it)")
    else:
        config.write_text(CONFIG_TEMPLATE.format(course_id=course_id, exchange=str(exchange), exclude=exclude))
    (course_dir / "nbgrader_config_student.py").write_text(
        STUDENT_CONFIG_TEMPLATE.format(course_id=course_id, exchange=str(exchange)))
    for name, (week, nb) in notebooks.items():
        dest = course_dir / "source" / name
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(week.template_dir, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        nbformat.write(nb, dest / f"{name}.ipynb")
    return [week for week, _ in notebooks.values()]


# ---------------------------------------------------------------------- autograde


@dataclass
class Flag:
    """An autograder cell whose saved output claims other points than the judge gives."""

    week: str
    student: str
    exercise: str
    notebook_reported: float
    judge: float
    judge_public: float
    max_points: float
    reason: str

    def row(self) -> dict:
        return {"week": self.week, "student": self.student, "exercise": self.exercise,
                "notebook_reported": format_points(self.notebook_reported), "judge": format_points(self.judge),
                "judge_public": format_points(self.judge_public), "max_points": format_points(self.max_points),
                "reason": self.reason}


@dataclass
class Graded:
    """One student's submission of one week, judged and recorded."""

    student: str
    folder: Path
    report: GradeReport
    score: float = 0.0  # as written to the gradebook (the grade cells' auto scores)
    max_score: float = 0.0
    flags: list[Flag] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    provenance: list[str] = field(default_factory=list)  # for the instructor: links, other owners, reference copies
    readable: bool = True  # False: a link on the way to the folder; nothing in it is read


@dataclass
class AutogradeRun:
    """Every submission graded by one `autograde` call, and what it noticed on the way."""

    week: str
    course_dir: Path
    graded: list[Graded]
    notes: list[str] = field(default_factory=list)
    not_graded: dict[str, str] = field(default_factory=dict)  # student -> why (no result: not recorded)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (submitted/ entry, why)
    interrupted: bool = False
    results_dir: Path | None = None  # the results store and class files

    @property
    def complete(self) -> bool:
        return not self.not_graded and not self.refused and not self.interrupted

    @property
    def flags(self) -> list[Flag]:
        return [f for g in self.graded for f in g.flags]


def exercise_scores(report: GradeReport) -> dict[str, tuple[float, float, float]]:
    """Exercise id -> (points over all checks, points over public checks, maximum)."""
    out: dict[str, list[float]] = {}
    for r in report.results:
        s = out.setdefault(r.id, [0.0, 0.0, 0.0])
        s[0] += r.score
        s[1] += r.score if r.visibility == PUBLIC else 0.0
        s[2] += r.max_score
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


def grade_cells(nb) -> dict[str, object]:
    """grade_id -> the first cell of `nb` marked as an nbgrader grade cell with that id."""
    cells = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if isinstance(meta, dict) and meta.get("grade") and isinstance(meta.get("grade_id"), str):
            cells.setdefault(meta["grade_id"], cell)
    return cells


def saved_claim(cell) -> float | None:
    """The points an autograder cell's saved outputs claim, by nbgrader's rule: the
    number in its last execute_result; none after an error; full points when it ran
    without a result; None when it was never run."""
    outputs = cell.get("outputs") or []
    if any(o.get("output_type") == "error" or (o.get("output_type") == "stream" and o.get("name") == "stderr")
           for o in outputs):
        return None
    results = [o for o in outputs if o.get("output_type") == "execute_result"]
    if results:
        text = results[-1].get("data", {}).get("text/plain", "")
        text = "".join(text) if isinstance(text, list) else str(text)
        try:
            value = float(text.strip())
        except ValueError:  # nbgrader gives full points for output it cannot read
            return _points_of(cell)
        return value if math.isfinite(value) else None
    if outputs or cell.get("execution_count") is not None:
        return _points_of(cell)
    return None


def _points_of(cell) -> float:
    try:
        return float(cell["metadata"]["nbgrader"]["points"])
    except (KeyError, TypeError, ValueError):
        return 0.0


def find_flags(week: str, student: str, submitted_nb, scores: dict[str, tuple[float, float, float]],
               exercise_of: Callable[[str], str]) -> list[Flag]:
    """Flags for every autograder cell of `submitted_nb` (None: no notebook) whose saved
    output claims points that match neither the judge's public-check points (what the
    released cell computes on the student's side) nor its total."""
    if submitted_nb is None:
        return []
    flags = []
    for grade_id, cell in grade_cells(submitted_nb).items():
        claim = saved_claim(cell)
        exercise = exercise_of(grade_id)
        if claim is None or exercise not in scores:
            continue
        total, public, max_points = scores[exercise]
        if any(math.isclose(claim, s, rel_tol=1e-9, abs_tol=1e-6) for s in (public, total)):
            continue
        if claim > max_points + 1e-6:
            reason = "claims more than the exercise is worth"
        elif claim > max(public, total):
            reason = "claims more points than the judge gives"
        else:
            reason = "claims fewer points than the judge gives (edited after running?)"
        flags.append(Flag(week, student, exercise, claim, total, public, max_points, reason))
    return flags


def autograde(week: Week, course_dir: str | Path, *, students: list[str] | None = None, device: str = "auto",
              call_timeout: float | None = None, memory_mb: int | None = None, progress=None,
              isolation: str | None = None, jobs: int | None = None, executor: str | None = None,
              ray_address: str | None = None, force: bool = False, student_timeout: float | None = None,
              results_dir: str | Path | None = None, max_tries: int | None = None) -> AutogradeRun:
    """Judge every collected submission of `week` in the nbgrader course `course_dir`
    and record the results where nbgrader reads them.

    Grading is `grader.cohort.grade_all`'s, on the course's ``submitted/`` folder, into the
    results store `results_dir` (default ``COURSE_DIR/dlgrade_results/<week>/``, which also gets
    the class files: gradebook.csv, summary.md, histogram.png): parallel (`jobs` judges, or a
    Ray cluster with ``executor="ray"``), isolated per student, and resumable: a re-run grades
    only the students without a result for their current submission (`force`: all of them),
    and records every stored result in gradebook.db. A student who could not be graded (the
    machine's fault, retried a bounded number of times) is not recorded and is listed in the
    run's ``not_graded``; the others are.

    Args:
        week: the week (its assignment id in nbgrader is ``week.name``).
        course_dir: the nbgrader course root (holding ``submitted/`` and ``gradebook.db``).
        students: grade only these student ids (default: every collected submission).
        device, call_timeout, memory_mb, isolation, jobs, executor, ray_address, student_timeout, max_tries:
            as for `grader.cohort.grade_all`; isolation "rlimits" grades without bubblewrap,
            otherwise bubblewrap must run here.
        progress: a `grader.cohort_display.Progress`.

    Raises BridgeError when the course has no such assignment and no source notebook to
    create it from, when bubblewrap is needed and cannot run, or when the run cannot start.

    No symbolic link is followed from ``submitted/<student>/`` down, and the student's
    inbound submissions in the exchange are looked at (`grader.provenance.vet_nbgrader`):
    modules that were links there are not graded; links, other owners and copies of the
    reference are flagged for the instructor.
    """
    from .cohort import grade_all
    from .store import BatchError, Store

    api = _nbgrader()
    course_dir = Path(course_dir).resolve()
    if not (course_dir / "submitted").is_dir():
        raise BridgeError(f"{course_dir} has no submitted/ folder; run 'nbgrader collect {week.name}' first")
    db_path = course_dir / "gradebook.db"
    db_url = f"sqlite:///{db_path}"
    with _gradebook(api, db_url) as gb:
        cells = _ensure_assignment(gb, api, week.name, course_dir)
    released = {name: _released_notebook(course_dir, week.name, name) for name in cells}
    results = Path(results_dir) if results_dir else course_dir / RESULTS_FOLDER / week.name
    run = AutogradeRun(week.name, course_dir, [], results_dir=results)

    # Judge first, with gradebook.db kept aside: student code runs meanwhile.
    guard = _GradebookGuard(db_path)
    try:
        batch = grade_all(week, course_dir, results, jobs=jobs, device=device, call_timeout=call_timeout,
                          memory_mb=memory_mb, isolation=isolation, student_timeout=student_timeout,
                          progress=progress, students=students, force=force, executor=executor or DEFAULT_EXECUTOR,
                          ray_address=ray_address, max_tries=max_tries)
    except BatchError as e:
        raise BridgeError(str(e)) from None
    finally:
        run.notes += guard.restore_if_changed()
    run.notes += batch.notes
    run.refused = list(batch.discovery.refused)
    run.interrupted = batch.interrupted
    store = Store(results.resolve())
    for sub in batch.discovery.submissions:
        if students and sub.student not in students:
            continue
        meta = batch.finished.get(sub.student)
        try:
            report = store.report(sub.student) if meta is not None else None
        except (OSError, ValueError, TypeError) as e:
            report, why = None, f"its stored report could not be read ({type(e).__name__}); re-run with --force"
        else:
            why = batch.not_graded.get(sub.student, "")
        if report is None:
            run.not_graded[sub.student] = why
            continue
        run.graded.append(Graded(sub.student, sub.path, report, notes=[*report.notes, *report.instructor_notes],
                                 provenance=list(meta.get("flags", [])),
                                 readable=link_on_path(sub.path.parent, sub.path) is None))

    with _gradebook(api, db_url) as gb:
        for g in run.graded:
            scores = exercise_scores(g.report)
            submitted = {name: _read_notebook(g.folder / f"{name}.ipynb") if g.readable else None for name in cells}
            for name, nb in submitted.items():
                if nb is None:
                    g.notes.append(f"{name}.ipynb is missing or unreadable; graded from the module files")
                g.flags += find_flags(week.name, g.student, nb, scores, exercise_of_grade_id)
            try:
                _record(gb, week.name, g, cells, scores, exercise_of_grade_id)
            except Exception as e:  # costs this student only: the others are still recorded
                gb.db.rollback()
                g.notes.append(f"NOT RECORDED in the gradebook ({type(e).__name__}: {printable(str(e))[:200]})")
                run.notes.append(f"{g.student} could not be recorded in the gradebook; grade them by hand")
            _write_autograded(course_dir, week, g, submitted, released, cells, scores, exercise_of_grade_id)
    _write_flags(course_dir / FLAGS_FILE, week.name, [g.student for g in run.graded], run.flags,
                 [(g.student, flag) for g in run.graded for flag in g.provenance])
    return run


class _GradebookGuard:
    """gradebook.db (and the absence of SQLite journal files beside it), held in memory
    while student code runs; anything that changed is put back, and what was found is
    kept beside it for the instructor to look at."""

    SIDE_FILES = ("-journal", "-wal", "-shm")

    def __init__(self, db_path: Path):
        self.db_path = db_path
        self.data = db_path.read_bytes()
        self.sides = {suffix for suffix in self.SIDE_FILES if Path(f"{db_path}{suffix}").exists()}

    def restore_if_changed(self) -> list[str]:
        notes = []
        for suffix in set(self.SIDE_FILES) - self.sides:
            side = Path(f"{self.db_path}{suffix}")
            if side.exists() or side.is_symlink():
                side.rename(f"{side}.found-after-grading")
                notes.append(f"{side.name} appeared while student code ran; moved aside to {side.name}.found-after-grading")
        try:
            changed = self.db_path.is_symlink() or self.db_path.read_bytes() != self.data
        except OSError:
            changed = True
        if changed:
            aside = self.db_path.with_name(f"{self.db_path.name}.changed-during-grading")
            if self.db_path.exists() or self.db_path.is_symlink():
                self.db_path.rename(aside)
            self.db_path.write_bytes(self.data)
            notes.append(f"gradebook.db changed while student code ran (a submission wrote to it, or someone graded "
                         f"in formgrader meanwhile); it was restored, and the changed file kept as {aside.name}")
        return notes


@dataclass
class NotebookCells:
    """What the gradebook knows of one notebook: its grade cells' points, and the ids
    of every cell nbgrader looks up (grade, solution and task cells)."""

    grade: dict[str, float]
    known: set[str]


def _ensure_assignment(gb, api, assignment: str, course_dir: Path) -> dict[str, NotebookCells]:
    """Notebook name -> its cells in the gradebook, created from ``source/<assignment>/*.ipynb``
    when generate_assignment has not run."""
    try:
        nbs = gb.find_assignment(assignment).notebooks
    except api.MissingEntry:
        nbs = []
    if not nbs:
        _save_source_cells(gb, assignment, course_dir)
        nbs = gb.find_assignment(assignment).notebooks
    return {nb.name: NotebookCells(grade={c.name: float(c.max_score) for c in nb.grade_cells},
                                   known={c.name for c in [*nb.grade_cells, *nb.solution_cells, *nb.task_cells]})
            for nb in nbs}


def _save_source_cells(gb, assignment: str, course_dir: Path) -> None:
    import nbformat
    from nbgrader.utils import compute_checksum

    sources = sorted((course_dir / "source" / assignment).glob("*.ipynb"))
    if not sources:
        raise BridgeError(f"the gradebook has no assignment {assignment!r} and there is no source/{assignment}/ "
                          f"notebook to create it from; run 'dlgrade nbgrader init' and "
                          f"'nbgrader generate_assignment {assignment}' in {course_dir} first")
    gb.update_or_create_assignment(assignment)
    for path in sources:
        nb = nbformat.read(path, as_version=4)
        gb.update_or_create_notebook(path.stem, assignment)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if not meta.get("grade_id"):
                continue
            if meta.get("grade"):
                gb.update_or_create_grade_cell(meta["grade_id"], path.stem, assignment,
                                               max_score=float(meta.get("points", 0)), cell_type=cell.cell_type)
            if meta.get("locked") or meta.get("grade") or meta.get("solution"):
                gb.update_or_create_source_cell(meta["grade_id"], path.stem, assignment, cell_type=cell.cell_type,
                                                locked=bool(meta.get("locked")), source=cell.source,
                                                checksum=compute_checksum(cell))


def _record(gb, assignment: str, g: Graded, cells: dict[str, NotebookCells],
            scores: dict[str, tuple[float, float, float]], exercise_of: Callable[[str], str]) -> None:
    """Write the judge's points into the student's grades; flag the notebook in formgrader."""
    from nbgrader.utils import parse_utc

    gb.update_or_create_student(g.student)
    timestamp = _timestamp(g.folder) if g.readable else None
    when = None
    if timestamp:
        try:
            when = parse_utc(timestamp)
        except (ValueError, OverflowError, TypeError, LookupError) as e:  # dateutil's ParserError is a ValueError
            g.notes.append(f"timestamp.txt could not be read as a time ({printable(timestamp)[:60]!r}: "
                           f"{type(e).__name__}); recorded without a submission time")
    gb.update_or_create_submission(assignment, g.student, **({"timestamp": when} if when else {}))
    for name, nb_cells in cells.items():
        sub_nb = gb.find_submission_notebook(name, assignment, g.student)
        for grade in sub_nb.grades:
            cell_max = float(grade.max_score)
            exercise = exercise_of(grade.name)
            if exercise in scores:
                total, _, judge_max = scores[exercise]
                grade.auto_score = _scaled(total, judge_max, cell_max)
                if not math.isclose(judge_max, cell_max):
                    g.notes.append(f"{grade.name} is worth {format_points(cell_max)} in the gradebook but "
                                   f"{format_points(judge_max)} in the rubric; its score was scaled")
            else:  # not an exercise (a manually graded cell, or a stray id): left to the grader
                grade.auto_score = None
                g.notes.append(f"{grade.name}: not an exercise of {assignment}; left for manual grading")
            # nbgrader's rule: a grader's manual score stays, and asks for review.
            grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
            g.score += grade.manual_score if grade.manual_score is not None else (grade.auto_score or 0.0)
            g.max_score += cell_max
        if g.provenance or any(f.exercise in {exercise_of(i) for i in nb_cells.grade} for f in g.flags):
            sub_nb.flagged = True
    gb.db.commit()


def _scaled(score: float, judge_max: float, cell_max: float) -> float:
    if judge_max <= 0:
        return 0.0
    return min(max(score * cell_max / judge_max, 0.0), cell_max)


def _timestamp(folder: Path) -> str | None:
    """The submission time nbgrader's exchange wrote in ``timestamp.txt``, if any."""
    path = folder / "timestamp.txt"
    if not path.is_file() or path.is_symlink():
        return None
    try:
        return path.read_text().strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def _read_notebook(path: Path):
    import nbformat

    if not path.is_file() or path.is_symlink():
        return None
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except Exception:  # a broken file is a missing notebook, not a crash of the grader
        return None
    return nb


def _released_notebook(course_dir: Path, assignment: str, name: str):
    """The notebook as students received it: ``release/`` if present, else the source
    with its hidden tests removed (what generate_assignment would release)."""
    import nbformat

    release = _read_notebook(course_dir / "release" / assignment / f"{name}.ipynb")
    if release is not None:
        return release
    source = _read_notebook(course_dir / "source" / assignment / f"{name}.ipynb")
    if source is None:
        return nbformat.v4.new_notebook()
    for cell in source.cells:
        cell.source = strip_hidden_tests(cell.source)
    return source


def strip_hidden_tests(source: str) -> str:
    """`source` without its ``### BEGIN HIDDEN TESTS`` … ``### END HIDDEN TESTS`` regions."""
    return HIDDEN_TESTS.sub("", source)


# -------------------------------------------------------------- autograded notebook


def feedback_text(exercise: str, scores: tuple[float, float, float], report: GradeReport) -> str:
    """The judge's result for one exercise as plain text: a total line, then one line per
    check with its status and points, and the check's feedback indented below it."""
    total, _, max_points = scores
    lines = [f"{exercise}: {format_points(total)} / {format_points(max_points)} points (graded from your module files)"]
    for r in report.results:
        if r.id != exercise:
            continue
        hidden = "" if r.visibility == PUBLIC else " (hidden check)"
        lines.append(f"  {status_label(r.status):>19}  {format_points(r.score)}/{format_points(r.max_score)}  "
                     f"{printable(r.name)}{hidden}")
        lines += [f"{'':>23}{line}" for line in clean_output(r.output).splitlines()]
    return "\n".join(lines) + "\n"


def autograded_notebook(submitted, released, report: GradeReport, scores: dict[str, tuple[float, float, float]],
                        cells: NotebookCells, exercise_of: Callable[[str], str]):
    """The notebook nbgrader's feedback and formgrader show: `submitted` (or `released`
    when there is none) with every output cleared (nothing in it was run by the grader),
    the first cell with each autograder cell's grade_id replaced by the released cell
    (so neither hidden tests nor a student's edits appear) with the judge's feedback
    and points as outputs, missing autograder cells added at the end, and nbgrader
    metadata removed from every cell the gradebook does not know (or knows twice)."""
    import copy

    import nbformat

    nb = copy.deepcopy(submitted if submitted is not None else released)
    originals = grade_cells(released)
    seen: set[str | None] = set()
    out, judged = [], 0
    if submitted is None:
        out.append(nbformat.v4.new_markdown_cell(
            "**Your notebook was missing from your submission, or could not be read.** This is the notebook as "
            "released, with the points your module files earned."))
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader")
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        if grade_id in cells.grade and grade_id in originals and grade_id not in seen:
            seen.add(grade_id)
            judged += 1
            out.append(_judged_cell(originals[grade_id], grade_id, report, scores, exercise_of, judged))
            continue
        if meta is not None and (grade_id not in cells.known or grade_id in seen or grade_id in cells.grade):
            del cell.metadata["nbgrader"]
        seen.add(grade_id)
        if cell.get("cell_type") == "code":
            cell.outputs, cell.execution_count = [], None
        out.append(cell)
    missing = [g for g in originals if g in cells.grade and g not in seen]
    if missing:
        out.append(nbformat.v4.new_markdown_cell(
            "**Autograder cells missing from your notebook**, restored by the grader: "
            + ", ".join(f"`{g}`" for g in missing) + "."))
        out += [_judged_cell(originals[g], g, report, scores, exercise_of, judged + n)
                for n, g in enumerate(missing, start=1)]
    nb.cells = out
    return nb


def _judged_cell(original, grade_id: str, report: GradeReport, scores, exercise_of, count: int):
    import copy

    import nbformat

    cell = copy.deepcopy(original)
    cell.source = strip_hidden_tests(cell.source)
    exercise = exercise_of(grade_id)
    result = scores.get(exercise)
    if result is None:
        text, points = f"{exercise}: not an exercise the grader knows; 0 points\n", 0.0
    else:
        text, points = feedback_text(exercise, result, report), result[0]
    cell.execution_count = count
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text=text),
        nbformat.v4.new_output("execute_result", data={"text/plain": format_points(points)}, execution_count=count),
    ]
    return cell


def _write_autograded(course_dir: Path, week: Week, g: Graded, submitted: dict, released: dict,
                      cells: dict[str, NotebookCells], scores, exercise_of) -> None:
    import nbformat

    dest = course_dir / "autograded" / g.student / week.name
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name, nb in submitted.items():
        nbformat.write(autograded_notebook(nb, released[name], g.report, scores, cells[name], exercise_of),
                       dest / f"{name}.ipynb")
    # The module files, and the two files nbgrader's exchange reads later (release_feedback
    # needs the submission's secret); only plain files, never a link to something else.
    for filename in [f"{m}.py" for m in week.modules] + ["__init__.py", "timestamp.txt", "submission_secret.txt"]:
        src = g.folder / filename
        if g.readable and src.is_file() and not src.is_symlink():
            shutil.copyfile(src, dest / filename)


def _write_flags(path: Path, week: str, students: list[str], flags: list[Flag],
                 provenance: list[tuple[str, str]] = ()) -> None:
    """Replace this run's (week, student) rows of the flags file; keep every other row.
    `provenance` (student, flag) rows have no exercise or points, only their reason."""
    from .report import atomic_write

    kept = []
    if path.is_file():
        with open(path, newline="", encoding="utf-8") as f:
            kept = [row for row in csv.DictReader(f)
                    if not (row.get("week") == week and row.get("student") in set(students))]

    def write(f):
        w = csv.DictWriter(f, fieldnames=FLAG_COLUMNS, extrasaction="ignore")
        w.writeheader()
        w.writerows(kept + [flag.row() for flag in flags]
                    + [{"week": week, "student": student, "reason": reason} for student, reason in provenance])

    atomic_write(path, write)


# ---------------------------------------------------------------------------- CLI


def register_cli(subparsers) -> None:
    """Add ``dlgrade nbgrader init|autograde`` to the CLI's subcommands."""
    p = subparsers.add_parser("nbgrader", help="run this course with nbgrader (init a course, autograde safely)")
    sub = p.add_subparsers(dest="nbgrader_command", required=True)

    i = sub.add_parser("init", help="create an nbgrader course: config, local exchange, source/<week>/")
    i.add_argument("course_dir", help="the nbgrader course folder to create")
    i.add_argument("--weeks", nargs="+", help="weeks to place in source/ (default: every week with a notebook)")
    i.add_argument("--exchange", help="the exchange folder (default: COURSE_DIR/../exchange)")
    i.add_argument("--course-id", help="nbgrader's course id (default: the folder's name)")
    i.add_argument("--force", action="store_true", help="replace existing source/<week>/ and nbgrader_config.py")
    i.set_defaults(func=cmd_init)

    a = sub.add_parser("autograde", help="grade collected submissions from their module files into the gradebook")
    a.add_argument("week", help="week1 … week6, or the week's folder name (the nbgrader assignment id)")
    a.add_argument("--nbgrader-course", dest="nbgrader_course", metavar="COURSE_DIR",
                   help="the nbgrader course folder, holding submitted/ and gradebook.db (default: the current "
                        "folder, when it holds nbgrader_config.py). Not dlgrade's --course, which names the kit")
    # The option's former name, kept working: it read like dlgrade's own --course (the kit).
    a.add_argument("--course", dest="nbgrader_course", action=_FormerCourseOption, help=argparse.SUPPRESS)
    a.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    a.add_argument("--call-timeout", type=float, default=None, help="seconds allowed per call into student code")
    a.add_argument("--memory-mb", type=int, default=None, help="memory limit of the student process, in MB")
    a.add_argument("--results", default=None, metavar="RESULTS_DIR",
                   help="the results store and class files (default: COURSE_DIR/dlgrade_results/<week>/)")
    from .cli import add_cohort_options, add_isolation_option

    add_isolation_option(a, whole_class=True)
    add_cohort_options(a)
    a.set_defaults(func=cmd_autograde)


def cmd_init(args) -> int:
    weeks = init_course(args.course_dir, args.weeks, exchange=args.exchange, course_id=args.course_id,
                        root=getattr(args, "course", None), force=args.force)
    course = Path(args.course_dir).resolve()
    print(f"nbgrader course ready in {course}: {', '.join(w.name for w in weeks)}")
    print(textwrap.dedent(f"""\
        Next, from {course}:
          nbgrader generate_assignment {weeks[0].name}
          nbgrader release_assignment {weeks[0].name}
        Students use nbgrader_config_student.py (course id and exchange) to fetch and submit."""))
    return 0


class _FormerCourseOption(argparse.Action):
    """``autograde --course DIR``, the former name of ``--nbgrader-course``: still read, with a note."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values)
        print("note: 'nbgrader autograde --course' is now --nbgrader-course (dlgrade's own --course, before "
              "'nbgrader', names the kit)", file=sys.stderr)


def nbgrader_course(explicit: str | None) -> Path:
    """The nbgrader course folder of ``autograde``: `explicit`, else the current folder when it
    holds nbgrader_config.py. BridgeError otherwise."""
    if explicit:
        return Path(explicit)
    here = Path.cwd()
    if (here / "nbgrader_config.py").is_file():
        return here
    raise BridgeError(f"{here} is not an nbgrader course (no nbgrader_config.py): run this from the course "
                      "folder, or pass --nbgrader-course COURSE_DIR")


def cmd_autograde(args) -> int:
    """Exit 1 when some students could not be graded or were refused (re-run to finish), 130
    when interrupted."""
    from rich.console import Console

    from .cli import check_cohort_options
    from .cohort_display import Progress

    course_dir = nbgrader_course(args.nbgrader_course)
    week = Week.load(args.week, getattr(args, "course", None))
    check_cohort_options(args, week)
    console = Console(highlight=False)
    run = autograde(week, course_dir, students=args.students, device=args.device, call_timeout=args.call_timeout,
                    memory_mb=args.memory_mb, progress=Progress(console), isolation=args.isolation, jobs=args.jobs,
                    executor=args.executor, ray_address=args.ray_address, force=args.force,
                    student_timeout=args.student_timeout, results_dir=args.results, max_tries=args.max_tries)
    print_run(run, console)
    if run.interrupted:
        return 130
    return 0 if run.complete else 1


def print_run(run: AutogradeRun, console=None) -> None:
    """The summary table (student, score/max, flags, notes), then the flagged cells."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console(highlight=False)
    table = Table(title=Text(run.week), title_justify="left")
    for col in ("student", "score", "flagged", "notes"):
        table.add_column(col, justify="right" if col == "score" else "left")
    for g in run.graded:
        table.add_row(Text(printable(g.student)), Text(f"{format_points(g.score)}/{format_points(g.max_score)}"),
                      Text(str(len(g.flags)) if g.flags else ""), Text(printable("; ".join(g.notes))))
    console.print(table)
    if run.flags:
        flags = Table(title=Text("Flagged: saved notebook outputs that disagree with the judge"), title_justify="left")
        for col in ("student", "exercise", "notebook-reported", "judge", "reason"):
            flags.add_column(col)
        for f in run.flags:
            flags.add_row(Text(printable(f.student)), Text(f.exercise), Text(format_points(f.notebook_reported)),
                          Text(format_points(f.judge)), Text(f.reason))
        console.print(flags)
    if any(g.provenance for g in run.graded):
        table = Table(title=Text("Flagged: submissions that may hold someone else's work (look before publishing)"),
                      title_justify="left")
        table.add_column("student")
        table.add_column("what was found")
        for g in run.graded:
            for flag in g.provenance:
                table.add_row(Text(printable(g.student)), Text(printable(flag)))
        console.print(table)
    for student, why in sorted(run.not_graded.items()):
        console.print(Text(f"not recorded: {printable(student)}: {printable(why)}", style="red"))
    for name, why in run.refused:
        console.print(Text(f"refused {printable(name)!r}: {why}", style="red"))
    console.print(Text(f"{len(run.graded)} submission(s) graded from their module files into "
                       f"{run.course_dir / 'gradebook.db'}; {len(run.flags)} flag(s) written to "
                       f"{run.course_dir / FLAGS_FILE}; results and class files in {run.results_dir}"))
    if run.not_graded or run.refused or run.interrupted:
        console.print(Text(f"{len(run.not_graded)} not graded, {len(run.refused)} refused"
                           + (", interrupted" if run.interrupted else "") + ": re-run the same command to finish "
                           "(graded students are kept).", style="bold red"))
    for note in run.notes:
        console.print(Text.assemble(("Note: ", "yellow"), printable(note)))


__all__ = ["init_course", "autograde", "register_cli", "find_flags", "saved_claim", "autograded_notebook",
           "strip_hidden_tests", "exercise_scores", "BridgeError"]
