"""Grading a whole class: ``dlgrade grade-all WEEK SUBMISSIONS_DIR --out RESULTS_DIR``.

Submissions. SUBMISSIONS_DIR holds one entry per student: a folder (the week's module
files in it, or in a ``<week folder>/`` or one other folder inside it: `week_folder`) or a
``<student>.zip`` (the modules at its top or under one folder). ``dlgrade grade`` and
``check`` read the one submission they are given the same way (`submission_at`). Hidden
entries (``.git``) are ignored, and said to be. An nbgrader course (a folder holding
``submitted/``, or the ``submitted/`` folder itself) is read as
``submitted/<student>/<week>/``. The student id
names the results folder, so ids that are not safe folder names are refused. An entry
holds only its student's own work: no symbolic link is followed from it down (the sandbox
opens every folder and file without following one), and what may be someone else's work
(a link and its target, files of another owner, in an nbgrader course the exchange's
evidence) is flagged for the instructor (`grader.provenance`; `grading.json`'s ``flags``,
never the student's files).

Isolation. A class is graded under bubblewrap, or with rlimits only when asked for
explicitly; "auto" does not fall back (`class_isolation`).

Results. Each student gets ``RESULTS_DIR/<student>/`` with ``results.json`` (Gradescope),
``feedback.md`` and ``grading.json`` (what the class summary needs, and the fingerprint
of what was graded). ``gradebook.csv``, ``summary.md``, ``summary.json`` and
``histogram.png`` are rebuilt from those files at the end of every run.

Resumption. Every file is written atomically (a temporary file renamed over it), and a
student's files in this order: the stale ``results.json`` removed, ``feedback.md``,
``grading.json``, then ``results.json``, which marks the student done. A student is
skipped when ``results.json`` exists and ``grading.json`` holds the current fingerprint:
the sha256 of the submitted module files (or of the zip), the week, the grading options,
the week's checks, rubric and reference solution, and the grader's version and source files
(``--force`` regrades anyway; ``--student`` grades only some). So after a kill at any instant a
re-run regrades exactly the unfinished and the changed submissions, and ends with the
files an uninterrupted run writes (timings aside). Stray temporary files of a killed run
are removed first, and so are the judges' temporary folders, which live in one private
scratch folder per run in the system's temporary folder (`make_scratch`, recorded in
RESULTS_DIR until the run ends), away from the results; a lock file, removed when the run
ends, keeps two runs out of one RESULTS_DIR (`acquire_lock`).

Parallelism. ``jobs`` long-lived judge processes (multiprocessing "spawn": the parent
may hold threads), each grading one student at a time with
`grader.engine.grade_submission`, so the heavy imports are paid once per process. Student
code never runs in them (it runs in the sandbox each grading starts). The parent
supervises them through one pipe each and their sentinels: a judge that dies costs only
the student it was grading, who is reported and left unfinished, and is replaced.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import json
import os
import random
import re
import shutil
import signal
import stat
import statistics
import sys
import tempfile
import time
import traceback
import zipfile
import zlib
from collections import Counter, deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path, PurePosixPath
from typing import Callable

from .course import Week
from .provenance import Vetting, exchange_inbound, grader_digest, grader_version, vet_entry, vet_nbgrader
from .report import (atomic_write, format_points, md_code, md_inline, printable, submission_label, to_gradescope,
                     write_gradescope, write_markdown)
from .scoring import ERROR, NOT_IMPLEMENTED, PASSED, TIMEOUT, GradeReport

RESULTS, FEEDBACK, META = "results.json", "feedback.md", "grading.json"
GRADEBOOK, SUMMARY_MD, SUMMARY_JSON, HISTOGRAM = "gradebook.csv", "summary.md", "summary.json", "histogram.png"
LOCK = ".dlgrade-grade-all.lock"
OWN_FILES = (RESULTS, FEEDBACK, META, GRADEBOOK, SUMMARY_MD, SUMMARY_JSON, HISTOGRAM)
STRAY_TMP = re.compile(r"^\.(%s)\..+\.tmp$" % "|".join(re.escape(n) for n in OWN_FILES))
META_FORMAT = 1

SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}")
RESERVED_IDS = frozenset(n.casefold() for n in (GRADEBOOK, SUMMARY_MD, SUMMARY_JSON, HISTOGRAM))

ZIP_MAX_BYTES = 20 << 20  # total uncompressed size of a zip's members
ZIP_MAX_MEMBERS = 1000

NOT_ISOLATED = "rlimits only"
KILL_JUDGE_ENV = "DLGRADE_TEST_KILL_JUDGE"  # test hook: a judge given this student id kills itself
HANG_JUDGE_ENV = "DLGRADE_TEST_HANG_JUDGE"  # test hook: a judge given this student id hangs


# ------------------------------------------------------------------------ discovery


@dataclass(frozen=True)
class Submission:
    """One student's submission: a folder holding the module files, or a zip. `entry` is
    the student's own entry in SUBMISSIONS_DIR (their folder, ``submitted/<student>/``, or
    the zip), from which grading follows no symbolic link; None: `path` is followed as given."""

    student: str
    path: Path
    entry: Path | None = None

    @property
    def is_zip(self) -> bool:
        return self.path.is_file()


@dataclass
class Discovery:
    """What SUBMISSIONS_DIR holds. `refused` and `ignored` pair a name as found with why."""

    layout: str  # "folders" or "nbgrader"
    submissions: list[Submission] = field(default_factory=list)
    root: Path | None = None  # the folder whose entries are the students (SUBMISSIONS_DIR, or submitted/)
    refused: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)


def unsafe_id(student: str) -> str | None:
    """Why `student` cannot name a results folder, or None when it can."""
    if not SAFE_ID.fullmatch(student):
        return ("not a safe folder name (use at most 100 letters, digits and . _ - @ +, "
                "starting with a letter or a digit)")
    if student.casefold() in RESERVED_IDS:
        return "the name of a class results file"
    return None


def week_folder(week: Week, entry: Path, nbgrader: bool = False) -> Path | None:
    """Where in a student's folder `entry` the week's module files are: `entry` itself when it
    holds any, else its ``<week folder>/`` (or ``<week short id>/``), else its only other
    subfolder that holds any (one level down, like a zip's one folder). In an nbgrader course
    only ``<week folder>/`` counts. None when an nbgrader entry has no week folder; else `entry`
    when nothing was found (graded as an empty submission, see `missing_week_files`)."""
    if not nbgrader and _has_modules(week, entry):
        return entry
    for name in (week.name, week.short):
        if (entry / name).is_dir():
            return entry / name
    if nbgrader:
        return None
    try:
        inner = [p for p in sorted(entry.iterdir()) if not p.name.startswith(".") and p.name != "__MACOSX"
                 and not p.is_symlink() and p.is_dir() and _has_modules(week, p)]
    except OSError:
        inner = []
    return inner[0] if len(inner) == 1 else entry


def _has_modules(week: Week, folder: Path) -> bool:
    return any(os.path.lexists(folder / f"{m}.py") for m in week.modules)


def submission_at(week: Week, path: str | Path, student: str | None = None) -> Submission:
    """One submission as `dlgrade grade` and `check` are given it, read like an entry of
    grade-all (`week_folder`, zips extracted by `extract_zip`): a folder holding the module
    files or the week's folder, or a ``.zip``. `path` is followed as given. CourseError when it
    is neither a folder nor a .zip file, or cannot be read."""
    from .course import CourseError, readable_dir

    p = Path(path)
    if p.is_file() and p.name.lower().endswith(".zip"):
        return Submission(student or p.name[:-4], p)
    if not p.is_dir():
        raise CourseError(f"{path} is neither a folder nor a .zip file")
    readable_dir(p)
    return Submission(student or submission_label(p.resolve(), week.name), week_folder(week, p))


@contextmanager
def unpacked(week: Week, sub: Submission):
    """(folder to grade, root from which no link is followed, notes for the student) of `sub`:
    a zip's module files extracted into a temporary folder (`extract_zip`), removed on exit."""
    if not sub.is_zip:
        yield sub.path, sub.entry, []
        return
    with tempfile.TemporaryDirectory(prefix="dlgrade-batch-") as tmp:
        folder = Path(tmp) / "submission"
        folder.mkdir()
        notes = extract_zip(sub.path, folder, week.modules, week_names=(week.name, week.short))
        yield folder, None, notes


def _names_in(sub: Submission) -> set[str]:
    """File names in a submission: the folder's entries and its subfolders' (one level, as
    `week_folder` looks), or each zip member's last part."""
    try:
        if sub.is_zip:
            with open(sub.path, "rb", opener=_open_nofollow) as raw, zipfile.ZipFile(raw) as zf:
                return {PurePosixPath(n.replace("\\", "/")).name for n in zf.namelist()[:ZIP_MAX_MEMBERS]}
        names = set()
        for p in list(sub.path.iterdir())[:ZIP_MAX_MEMBERS]:
            names.add(p.name)
            if not p.name.startswith(".") and not p.is_symlink() and p.is_dir():
                names |= {q.name for q in list(p.iterdir())[:ZIP_MAX_MEMBERS]}
        return names
    except (OSError, zipfile.BadZipFile, ValueError, RuntimeError, NotImplementedError):
        return set()


def missing_week_files(week: Week, sub: Submission, graded: Path, shown_as: str | None = None) -> str | None:
    """None when `graded` (the folder `sub` is graded from) holds any of the week's module
    files. Else a message (whole sentences) saying none was found, what was expected and, when
    the submission holds another released week's module files, which week it looks like."""
    if _has_modules(week, graded):
        return None
    from .course import CourseError, available_weeks

    names = _names_in(sub)
    hint = ""
    for other in available_weeks(week.root):
        if other == week.name:
            continue
        try:
            modules = Week.load(other, week.root).modules
        except (CourseError, ValueError, KeyError, TypeError):
            continue
        if {f"{m}.py" for m in modules} & names:
            hint = f" It holds {other}'s files: did you mean {Week(week.root, other).short}?"
            break
    where = shown_as or str(sub.path)
    return (f"no {week.name} files found in {where}: expected {', '.join(f'{m}.py' for m in week.modules)} "
            + (f"(at the zip's top or in one folder inside it).{hint}" if sub.is_zip else
               f"(in that folder or in a {week.name}/ folder inside it).{hint}"))


def discover(week: Week, submissions_dir: str | Path, exclude: Path | None = None) -> Discovery:
    """The submissions in `submissions_dir`, sorted by student id; `exclude` (the results
    folder, when it lies inside) is left out. Hidden entries (``.git``, ``.DS_Store``) are
    ignored, and listed in `Discovery.ignored` like every entry that is not a submission."""
    root = Path(submissions_dir)
    if (root / "submitted").is_dir():
        root, layout = root / "submitted", "nbgrader"
    else:
        layout = "nbgrader" if root.name == "submitted" else "folders"
    found = Discovery(layout, root=root)
    candidates: list[tuple[str, Submission]] = []
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        name = entry.name
        if exclude is not None and entry.resolve() in (exclude, *exclude.parents):
            continue
        if name.startswith("."):
            found.ignored.append((name, "hidden (its name starts with a dot); rename it to have it graded"))
            continue
        if entry.is_dir():
            inner = week_folder(week, entry, nbgrader=layout == "nbgrader")
            if inner is None:
                found.ignored.append((name, f"no {week.name}/ folder (nothing submitted for this week)"))
                continue
            candidates.append((name, Submission(name, inner, entry)))
        elif entry.is_file() and name.lower().endswith(".zip"):
            candidates.append((name, Submission(name[:-4], entry, entry)))
        else:
            found.ignored.append((name, "neither a folder nor a .zip file"))
    same: dict[str, list[str]] = {}
    for name, sub in candidates:
        same.setdefault(sub.student.casefold(), []).append(name)
    for name, sub in candidates:
        why = unsafe_id(sub.student)
        others = [n for n in same[sub.student.casefold()] if n != name]
        if why is None and others:  # which is the student's? The instructor decides.
            why = f"the same student id as {', '.join(others)} (ids must differ in more than case)"
        if why:
            found.refused.append((name, why))
        else:
            found.submissions.append(sub)
    found.submissions.sort(key=lambda sub: sub.student)
    return found


# ------------------------------------------------------------------------------ zips


def _open_nofollow(path, flags: int) -> int:
    return os.open(path, flags | os.O_NOFOLLOW)


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return (info.external_attr >> 16) & 0o170000 == 0o120000


def _unsafe_member(name: str) -> bool:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return name.startswith(("/", "\\")) or ".." in parts or (bool(parts) and ":" in parts[0])


def _depth(prefix: str) -> int:
    return 0 if prefix == "" else prefix.count("/") + 1


def extract_zip(zip_path: Path, dest: Path, modules: list[str], *, week_names: tuple[str, ...] = (),
                max_bytes: int = ZIP_MAX_BYTES, max_members: int = ZIP_MAX_MEMBERS) -> list[str]:
    """Extract the week's ``<module>.py`` files of `zip_path` into `dest` and return notes
    for the student's report (empty when all went well).

    The modules are taken from the shallowest folder of the archive that holds any
    (preferring one named in `week_names` when several tie). Nothing else is ever
    written: no member with an absolute path or a ``..`` component, no symbolic link.
    An archive with more than `max_members` entries or over `max_bytes` uncompressed
    in total is not extracted at all, and neither is one that cannot be read.
    """
    label, wanted = zip_path.name, {f"{m}.py" for m in modules}
    notes: list[str] = []
    try:
        if os.path.islink(zip_path):
            return [f"{label} is a symbolic link, which grading never follows: nothing was graded. "
                    "Submit the zip file itself."]
        with open(zip_path, "rb", opener=_open_nofollow) as raw, zipfile.ZipFile(raw) as zf:
            infos = zf.infolist()
            if len(infos) > max_members:
                return [f"{label} has {len(infos)} entries, more than the {max_members} allowed; "
                        "nothing was extracted, so it was graded as an empty submission."]
            total = sum(i.file_size for i in infos)
            if total > max_bytes:
                return [f"{label} would unpack to {total / 2**20:.0f} MB, more than the {max_bytes / 2**20:g} MB "
                        "allowed; nothing was extracted, so it was graded as an empty submission."]
            folders: dict[str, dict[str, zipfile.ZipInfo]] = {}
            for info in infos:
                parts = PurePosixPath(info.filename.replace("\\", "/")).parts
                if info.is_dir() or not parts or parts[-1] not in wanted or parts[0] == "__MACOSX":
                    continue
                if _unsafe_member(info.filename):
                    notes.append(f"{label}: {printable(info.filename)[:200]} was not extracted "
                                 "(a path outside the archive).")
                elif _is_symlink(info):
                    notes.append(f"{label}: {printable(info.filename)[:200]} is a symbolic link; it was not extracted.")
                else:
                    folders.setdefault("/".join(parts[:-1]), {})[parts[-1]] = info
            if not folders:
                return notes + [f"{label} holds none of the week's files ({', '.join(sorted(wanted))})."]
            shallowest = min(_depth(p) for p in folders)
            tied = sorted(p for p in folders if _depth(p) == shallowest)
            named = [p for p in tied if p.rsplit("/", 1)[-1] in week_names]
            prefix = (named or tied)[0]
            if len(tied) > 1:
                notes.append(f"{label}: several folders hold the week's files; {printable(prefix)[:200]}/ was used.")
            budget = max_bytes
            for fname, info in sorted(folders[prefix].items()):
                try:
                    with zf.open(info) as f:
                        data = f.read(budget + 1)
                except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError,
                        zlib.error) as e:
                    notes.append(f"{label}: {fname} could not be extracted "
                                 f"({type(e).__name__}: {printable(str(e))[:200]}).")
                    continue
                if len(data) > budget:
                    notes.append(f"{label}: {fname} unpacks to more than the {max_bytes / 2**20:g} MB allowed; "
                                 "it was not extracted.")
                    continue
                budget -= len(data)
                (dest / fname).write_bytes(data)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError, NotImplementedError,
            ValueError, zlib.error) as e:
        return [f"{label} could not be read as a zip file ({type(e).__name__}: {printable(str(e))[:200]}); "
                "it was graded as an empty submission."]
    return notes


# ----------------------------------------------------------------------- fingerprints


def grading_key(week: Week, options: dict) -> str:
    """sha256 of what grading depends on besides the submission: the week, the options,
    the week's checks, rubric and reference solution, and the grader itself (its version and
    the digest of its source files: an edited checkout regrades too)."""
    grader = {"version": grader_version(), "source": grader_digest()}
    h = hashlib.sha256(json.dumps({"week": week.name, "options": options, "grader": grader}, sort_keys=True).encode())
    files = [p for p in week.assignment_dir.glob("*.py") if p.name != "notebook.py"]
    files += [week.assignment_dir / "rubric.toml", *week.solution_dir.glob("*.py")]
    for p in sorted(f for f in files if f.is_file()):
        h.update(f"\0{p.relative_to(week.root)}\0".encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def _hash_file(h, path: Path) -> None:
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)


def fingerprint(sub: Submission, modules: list[str], key: str, vetting: Vetting | None = None) -> str:
    """sha256 of `key` (`grading_key`) and what the student submitted: the zip's bytes,
    or each module file's content (or whether it is missing, a link, not a file), and
    what `vetting` found (links on the way to them, other owners, refused modules)."""
    h = hashlib.sha256(f"{key}\0{sub.student}\0".encode())
    if vetting:
        h.update(f"vetting\0{vetting.digest()}\0".encode())
    if sub.is_zip:
        h.update(b"zip\0")
        _hash_file(h, sub.path)
        return h.hexdigest()
    for module in modules:
        path = sub.path / f"{module}.py"
        h.update(f"\0{module}\0".encode())
        try:
            st = os.lstat(path)
        except OSError:
            h.update(b"missing")
            continue
        if os.path.islink(path):
            h.update(b"link:" + os.fsencode(os.readlink(path)))
        elif not path.is_file():
            h.update(b"not a file")
        else:
            h.update(f"file {st.st_size}\0".encode())
            try:
                _hash_file(h, path)
            except OSError as e:
                h.update(f"unreadable {e.errno}".encode())
    return h.hexdigest()


# ------------------------------------------------------------------------------ hints

_EXCEPTION = re.compile(r"\braised (?P<type>[A-Za-z_][\w.]*)(?=:|$)")
_NUMBER = re.compile(r"(?<![\w.])[-+−]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+−]?\d+)?(?![\w.])")
HINT_WIDTH = 120


def _clip(text: str) -> str:
    text = " ".join(printable(text).split())
    return text if len(text) <= HINT_WIDTH else text[: HINT_WIDTH - 1] + "…"


def normalise(line: str) -> str:
    """`line` with every number replaced by "#", whitespace collapsed and cut to
    `HINT_WIDTH`, so that messages differing only in values group together."""
    return _clip(_NUMBER.sub("#", line))


def check_hint(status: str, output: str, mistake: str = "") -> str:
    """What went wrong in one check that did not pass, in a few words: the known
    mistake it was recognised as (`CheckResult.mistake`), else the status for stubs,
    timeouts and exceptions ("not implemented yet", "timed out", "raised NameError"),
    else the first line of its output with the numbers normalised away."""
    output = output or ""
    if mistake:
        return _clip(mistake)
    if status == NOT_IMPLEMENTED:
        return "not implemented yet"
    if status == TIMEOUT:
        return "timed out"
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    first = lines[0] if lines else ""
    if status == ERROR:
        m = _EXCEPTION.search(first.replace("raised an exception: ", "raised "))
        if m:
            return f"raised {m.group('type')}"
    return normalise(first) if first else status


def exercise_hint(checks: list) -> str:
    """The hint of an exercise that lost points: the first known mistake named by any
    of its checks, else the hint of its first check that did not fully pass."""
    lost = [c for c in checks if not (c.status == PASSED and c.score >= c.max_score)]
    hints = [check_hint(c.status, c.output, c.mistake) for c in lost]
    named = [h for c, h in zip(lost, hints) if c.mistake]
    return (named or hints or [""])[0]


# ------------------------------------------------------------------- one student


def student_meta(report: GradeReport, fp: str, flags: list[str] = ()) -> dict:
    """What `grading.json` holds: the fingerprint and what the class summary needs. Scores
    are those of results.json (each test rounded to 4 decimals, then added up). `flags` are
    for the instructor only (`grader.provenance`); the student's files never show them."""
    gradescope = to_gradescope(report)
    points: dict[str, float] = {}
    for t in gradescope["tests"]:
        points[t["number"]] = points.get(t["number"], 0.0) + t["score"]
    return {
        "format": META_FORMAT, "student": report.submission, "week": report.week, "fingerprint": fp,
        "score": gradescope["score"], "max_score": round(report.max_score, 4),
        "isolation": getattr(report, "isolation", "") or "", "notes": list(report.notes), "flags": list(flags),
        "instructor_notes": list(report.instructor_notes),  # grading.json and gradebook.csv are the instructor's
        "exercises": [{"id": ex.id, "score": round(points.get(ex.id, 0.0), 4), "max_score": round(ex.max_score, 4),
                       "status": ex.status,
                       "hint": "" if ex.status == PASSED and ex.score >= ex.max_score else exercise_hint(ex.checks)}
                      for ex in report.exercises()],
    }


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def invalidate(student_dir: Path) -> None:
    """Remove the student's done marker (results.json), durably, before regrading."""
    if (student_dir / RESULTS).exists():
        _remove(student_dir / RESULTS)
        _fsync_dir(student_dir)


def write_json(path: Path, data) -> None:
    atomic_write(path, lambda f: f.write(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"))


def write_student(report: GradeReport, student_dir: Path, meta: dict) -> None:
    """Write the student's files, results.json last: it is the done marker."""
    student_dir.mkdir(exist_ok=True)
    invalidate(student_dir)
    write_markdown(report, student_dir / FEEDBACK)
    write_json(student_dir / META, meta)
    _fsync_dir(student_dir)
    write_gradescope(report, student_dir / RESULTS)
    _fsync_dir(student_dir)


def finished(student_dir: Path, fp: str) -> dict | None:
    """The student's grading.json when their results are complete and were made from
    the submission and grading options fingerprinted by `fp`; else None."""
    try:
        meta = json.loads((student_dir / META).read_text(encoding="utf-8"))
        json.loads((student_dir / RESULTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("format") != META_FORMAT or meta.get("fingerprint") != fp:
        return None
    return meta


def clean_stray_files(results_dir: Path) -> int:
    """Remove temporary files a killed run left (``.results.json.x1y2.tmp``); returns how many."""
    n = 0
    for path in [*results_dir.glob(".*.tmp"), *results_dir.glob("*/.*.tmp")]:
        if STRAY_TMP.match(path.name) and path.is_file():
            _remove(path)
            n += 1
    return n


def _reset_random_state() -> None:
    """Global random generators to a fixed state, so a student's grading never depends on
    whom the same judge graded before."""
    random.seed(0)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(0)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(0)


SCRATCH_PREFIX = "dlgrade-scratch-"
SCRATCH_RECORD = ".dlgrade-scratch"  # in RESULTS_DIR: where the run's scratch folder is, while it runs


def make_scratch(results_dir: Path) -> Path:
    """A new private folder (mode 700, a random name, in the system's temporary folder) for the
    judges' temporary files (sandboxes, unpacked zips), recorded in RESULTS_DIR so that the next
    run removes it if this one is killed (`remove_old_scratch`). Not inside RESULTS_DIR: without
    bubblewrap a sandbox's working folder is in there, and should not sit next to the class's
    results."""
    scratch = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX))
    atomic_write(results_dir / SCRATCH_RECORD, lambda f: f.write(str(scratch) + "\n"))
    return scratch


def remove_scratch(results_dir: Path, scratch: Path) -> None:
    shutil.rmtree(scratch, ignore_errors=True)
    _remove(results_dir / SCRATCH_RECORD)


def remove_old_scratch(results_dir: Path) -> None:
    """Remove the scratch folder a killed run recorded in RESULTS_DIR: only a folder (not a link)
    of ours, with the scratch prefix, directly in the system's temporary folder."""
    try:
        recorded = Path((results_dir / SCRATCH_RECORD).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return
    try:
        st = os.lstat(recorded)
        ours = (recorded.is_absolute() and recorded.parent == Path(tempfile.gettempdir())
                and recorded.name.startswith(SCRATCH_PREFIX) and stat.S_ISDIR(st.st_mode)
                and st.st_uid == os.getuid())
    except (OSError, ValueError):
        ours = False
    if ours:
        shutil.rmtree(recorded, ignore_errors=True)
    _remove(results_dir / SCRATCH_RECORD)


def grade_student(week: Week, sub: Submission, results_dir: Path, fp: str, *, device: str = "auto",
                  limits=None, vetting: Vetting | None = None) -> dict:
    """Grade one submission and write its files; returns its grading.json. No symbolic
    link is followed from the student's entry down; `vetting` (`vet`) says which modules
    not to grade and what to flag. Raises what `grade_submission` raises when grading
    itself fails (the student stays unfinished)."""
    from .engine import grade_submission

    vetting = vetting or Vetting()
    student_dir = results_dir / sub.student
    student_dir.mkdir(exist_ok=True)
    invalidate(student_dir)
    _reset_random_state()
    with unpacked(week, sub) as (folder, root, notes):  # extract_zip opens no link
        missing = missing_week_files(week, sub, folder, shown_as=sub.entry.name if sub.entry else None)
        report = grade_submission(week, folder, mode="grade", device=device, limits=limits, root=root,
                                  refused=vetting.refused)
    report.submission = sub.student
    report.notes = notes + ([f"Nothing was graded: {missing}"] if missing else []) + report.notes
    meta = student_meta(report, fp, vetting.flags)
    write_student(report, student_dir, meta)
    return meta


# ------------------------------------------------------------------------ judges


def _judge_main(conn, config: dict) -> None:
    """A judge process: load the week once, then grade the students it is sent until
    it receives None or its pipe closes. Replies ("done", student, score, max_score) or
    ("failed", student, why)."""
    signal.signal(signal.SIGINT, lambda *a: None)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))  # unwinds: sandboxes and temporary files go
    tempfile.tempdir = config["scratch"]  # what a killed judge leaves there, the run removes
    from .sandbox import Limits

    week = Week.load(config["week"], config["course"])
    opts = config["options"]
    limits = Limits.from_rubric(week.rubric, call_seconds=opts["call_timeout"], memory_mb=opts["memory_mb"],
                                isolation=opts.get("isolation"))
    results_dir = Path(config["results_dir"])
    conn.send(("ready", os.getpid()))
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        student, path, fp, *more = task
        extra = more[0] if more else {}
        if student in os.environ.get(KILL_JUDGE_ENV, "").split(","):
            os.kill(os.getpid(), signal.SIGKILL)
        if student in os.environ.get(HANG_JUDGE_ENV, "").split(","):
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            while True:
                time.sleep(60)
        try:
            entry = Path(extra["entry"]) if extra.get("entry") else None
            vetting = Vetting(extra.get("refused", {}), extra.get("flags", []))
            meta = grade_student(week, Submission(student, Path(path), entry), results_dir, fp,
                                 device=opts["device"], limits=limits, vetting=vetting)
            reply = ("done", student, meta["score"], meta["max_score"])
        except Exception as e:  # a grader problem, not the student's: report it, leave them unfinished
            line = traceback.format_exception_only(type(e), e)[-1].strip()
            reply = ("failed", student, printable(line)[:500])
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            return


class _Judge:
    """One judge process, the pipe to it, and the task it holds."""

    def __init__(self, ctx, config: dict):
        self.conn, theirs = ctx.Pipe()
        self.process = ctx.Process(target=_judge_main, args=(theirs, config), name="dlgrade-judge", daemon=True)
        self.process.start()
        theirs.close()
        self.task: tuple | None = None  # (student, path, fingerprint[, details]) being graded
        self.ready = False  # it has loaded the week
        self.since = 0.0  # when it was given its task (time.monotonic)
        self.overdue = False  # killed for taking longer than a student may

    def messages(self) -> list[tuple]:
        """Every reply waiting in the pipe; after the pipe closes, the process is reaped."""
        out = []
        try:
            while self.conn.poll():
                out.append(self.conn.recv())
        except (EOFError, OSError):
            self.process.join(5)
        return out

    def stop(self, timeout: float = 5.0) -> None:
        """Ask an idle judge to finish; terminate a busy one (it unwinds, removing its sandbox)."""
        if self.process.is_alive():
            try:
                if self.task is None:
                    self.conn.send(None)
                else:
                    self.process.terminate()
            except OSError:
                pass
            self.process.join(timeout)
            if self.process.is_alive():
                self.process.kill()
                self.process.join()
        self.conn.close()


def _judge_env() -> dict:
    """Environment variables for the judges while they start: one BLAS/OpenMP thread
    each (there is one judge per core), unless the user chose otherwise."""
    return {v: "1" for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS") if v not in os.environ}


def student_seconds(week: Week, limits) -> float:
    """How long grading one student may take before its judge is presumed stuck (in the
    grader, since every call into student code has its own limits) and killed: twice
    the most the sandbox's limits allow, sandbox restarts included."""
    from .sandbox import Sandbox

    starts = limits.start_seconds * (1 + Sandbox.MAX_RESTARTS)
    per_exercise = limits.exercise_seconds + limits.import_seconds + 10
    return 2 * (starts + len(week.exercise_modules) * per_exercise) + 60


def run_judges(tasks: list[tuple[str, str, str]], jobs: int, config: dict,
               on_result: Callable[[str, str, tuple], None], max_start_failures: int = 3,
               max_seconds: float | None = None) -> None:
    """Grade `tasks` ((student, path, fingerprint) each, and optionally a dict with the student's
    "entry", the modules "refused" and the "flags" of `vet`) with up to `jobs` judge processes.

    `on_result(kind, student, details)` hears of each task once: ("done", (score,
    max_score)) or ("failed", (why,)). A judge that dies, or that is still grading
    one student after `max_seconds`, costs that student ("failed") and is replaced;
    after `max_start_failures` judges have died before loading the week, the
    remaining tasks fail too.
    """
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    pending = deque(tasks)
    start_failures = 0

    def start() -> _Judge:
        env = _judge_env()
        os.environ.update(env)
        try:
            return _Judge(ctx, config)
        finally:
            for k in env:
                del os.environ[k]

    judges = [start() for _ in range(min(jobs, len(pending)))]
    try:
        while pending or any(j.task for j in judges):
            if not judges:
                why = f"the judge processes could not start ({start_failures} died before loading {config['week']})"
                while pending:
                    on_result("failed", pending.popleft()[0], (why,))
                break
            for j in judges:
                if j.task is None and pending:
                    j.task = pending.popleft()
                    j.since = time.monotonic()
                    try:
                        j.conn.send(j.task)
                    except OSError:
                        pass  # it has died: seen below, and the task goes back
                elif j.task is None:
                    j.stop()  # no more work for it
            judges = [j for j in judges if not (j.task is None and not pending)]
            wait([x for j in judges for x in (j.conn, j.process.sentinel)], timeout=1.0)
            for j in judges:
                if (max_seconds is not None and j.ready and j.task is not None and not j.overdue
                        and time.monotonic() - j.since > max_seconds):
                    j.overdue = True
                    j.process.kill()  # seen as dead below
                    j.process.join(5)
            for j in list(judges):
                for msg in j.messages():
                    if msg[0] == "ready":
                        j.ready = True
                    else:
                        j.task = None
                        on_result(msg[0], msg[1], tuple(msg[2:]))
                if j.process.is_alive():
                    continue
                judges.remove(j)
                j.conn.close()
                if j.task is not None and j.overdue:
                    on_result("failed", j.task[0], (f"grading took longer than {max_seconds:.0f} s and was stopped "
                                                    "(a grader problem: every call into student code has its own "
                                                    "limits)",))
                elif j.task is not None and j.ready:
                    on_result("failed", j.task[0],
                              (f"the judge process died while grading it (exit code {j.process.exitcode})",))
                elif j.task is not None:
                    pending.appendleft(j.task)  # it never started on it
                if not j.ready:
                    start_failures += 1
                if pending and start_failures < max_start_failures:
                    judges.append(start())
    finally:
        for j in judges:
            j.stop()


# ------------------------------------------------------------------- the class


def class_summary(week: str, metas: list[dict], not_graded: dict[str, str], refused: list[tuple[str, str]],
                  notes: list[str] = ()) -> dict:
    """The class summary (summary.json) from the graded students' grading.json files:
    score statistics, per exercise how many lost points and the most common hints,
    the isolation student code ran under, who was flagged (`grader.provenance`), who was
    not graded or refused, and `notes` about the run."""
    scores = [m["score"] for m in metas]
    max_score = max((m["max_score"] for m in metas), default=0.0)
    order: list[str] = []
    for m in metas:
        order += [e["id"] for e in m["exercises"] if e["id"] not in order]
    exercises = []
    for ex in order:
        rows = [e for m in metas for e in m["exercises"] if e["id"] == ex]
        lost = [e for e in rows if e["score"] < e["max_score"]]
        hints = Counter(e["hint"] for e in lost)
        ranked = sorted(hints.items(), key=lambda kv: (-kv[1], kv[0]))
        exercises.append({
            "id": ex, "max_score": max(e["max_score"] for e in rows), "graded": len(rows), "failed": len(lost),
            "failed_percent": round(100 * len(lost) / len(rows)) if rows else 0,
            "mean_score": round(statistics.fmean(e["score"] for e in rows), 4) if rows else 0.0,
            "hints": [{"hint": h, "count": n} for h, n in ranked[:5]],
        })
    isolation = Counter(m.get("isolation") or "unknown" for m in metas)
    return {
        "week": week, "graded": len(metas), "max_score": max_score,
        "mean": round(statistics.fmean(scores), 4) if scores else None,
        "median": round(statistics.median(scores), 4) if scores else None,
        "min": min(scores, default=None), "max": max(scores, default=None),
        "full_marks": sum(1 for m in metas if m["score"] >= m["max_score"] > 0),
        "isolation": dict(sorted(isolation.items())),
        "not_isolated": sorted(m["student"] for m in metas if m.get("isolation") == NOT_ISOLATED),
        "exercises": exercises,
        "not_graded": [{"student": s, "why": not_graded[s]} for s in sorted(not_graded)],
        "refused": [{"name": n, "why": why} for n, why in refused],
        "flagged": [{"student": m["student"], "flags": list(m["flags"])}
                    for m in sorted(metas, key=lambda m: m["student"]) if m.get("flags")],
        "notes": list(notes),
    }


def exercise_line(ex: dict) -> str:
    """ "31% failed week1.adam; most common: Adam without bias correction" """
    line = f"{ex['failed_percent']}% failed {ex['id']}"
    if ex["hints"]:
        line += f"; most common: {ex['hints'][0]['hint']}"
    return line


def isolation_warning(summary: dict) -> str:
    n = len(summary["not_isolated"])
    if not n:
        return ""
    return (f"{n} of {summary['graded']} submissions were graded with rlimits only: their code was NOT isolated "
            "from the file system (it could read and write whatever the grading user can, other students' "
            "results included). Install bubblewrap (bwrap) and regrade them.")


def summary_markdown(summary: dict) -> str:
    """summary.md: the class at a glance, every student-controlled string escaped."""
    out = [f"# {md_inline(summary['week'])}: class summary", ""]
    if summary["not_isolated"]:
        out += [f"> **Warning: {md_inline(isolation_warning(summary))}**", ""]
    n = summary["graded"]
    counts = f"{n} submission{'s' if n != 1 else ''} graded"
    if summary["not_graded"]:
        counts += f", {len(summary['not_graded'])} could not be graded (re-run to retry)"
    if summary["refused"]:
        counts += f", {len(summary['refused'])} refused"
    out += [counts + ".", ""]
    if n:
        out += [f"Scores out of {format_points(summary['max_score'])}: mean {format_points(summary['mean'])}, "
                f"median {format_points(summary['median'])}, lowest {format_points(summary['min'])}, "
                f"highest {format_points(summary['max'])}; {summary['full_marks']} with full marks.", "",
                f"![Histogram of the scores]({HISTOGRAM})", "", "## Exercises", ""]
        for ex in summary["exercises"]:
            line = f"- {md_inline(exercise_line(ex))}"
            if ex["hints"]:
                line += f" ({ex['hints'][0]['count']} of {ex['failed']})"
            if len(ex["hints"]) > 1:
                line += "; then: " + ", ".join(f"{md_inline(h['hint'], line_start=False)} ({h['count']})"
                                                 for h in ex["hints"][1:3])  # mid-line: "# of # wrong" stays as is
            out.append(line)
        out.append("")
        isolation = ", ".join(f"{md_inline(k)}: {v}" for k, v in summary["isolation"].items())
        out += [f"Isolation of student code: {isolation}.", ""]
    if summary["not_graded"]:
        out += ["## Could not be graded", ""]
        out += [f"- {md_code(r['student'])}: {md_inline(r['why'])}" for r in summary["not_graded"]] + [""]
    if summary["refused"]:
        out += ["## Refused", ""]
        out += [f"- {md_code(r['name'])}: {md_inline(r['why'])}" for r in summary["refused"]] + [""]
    if summary.get("flagged"):
        out += ["## Flagged: look before publishing", "",
                "Submissions that may hold someone else's work (links, other owners, copies of the reference). "
                "The students do not see these lines.", ""]
        out += [f"- {md_code(f['student'])}: {md_inline(flag)}" for f in summary["flagged"] for flag in f["flags"]]
        out.append("")
    if summary.get("notes"):
        out += ["## Notes", ""] + [f"- {md_inline(n)}" for n in summary["notes"]] + [""]
    return "\n".join(out)


def gradebook_csv(metas: list[dict], not_graded: dict[str, str], exercises: list[str]) -> str:
    """gradebook.csv: one row per student, sorted by id, with the points of each exercise."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student", "score", "max_score", *exercises, "status", "notes"])
    rows = {m["student"]: m for m in metas}
    for student in sorted([*rows, *not_graded]):
        if student in rows:
            m = rows[student]
            points = {e["id"]: format_points(e["score"]) for e in m["exercises"]}
            notes = "; ".join(" ".join(printable(n).split())
                              for n in [*m["notes"], *m.get("instructor_notes", []),
                                        *(f"FLAGGED: {f}" for f in m.get("flags", ()))])
            w.writerow([student, format_points(m["score"]), format_points(m["max_score"]),
                        *(points.get(e, "") for e in exercises), "graded", notes])
        else:
            w.writerow([student, "", "", *("" for _ in exercises), "not graded", not_graded[student]])
    return buf.getvalue()


def histogram_png(scores: list[float], max_score: float, title: str) -> bytes:
    """A PNG histogram of `scores` on [0, max_score] (matplotlib's Agg backend)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    top = max(max_score, max(scores, default=0.0), 1.0)
    bins = min(20, max(1, int(round(top))))
    ax.hist(scores, bins=bins, range=(0, top), color="#4c72b0", edgecolor="white")
    ax.set_xlim(0, top)
    ax.set_xlabel(f"score (out of {format_points(max_score)})")
    ax.set_ylabel("students")
    ax.set_title(title)
    ax.yaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def write_class_files(results_dir: Path, week: Week, metas: list[dict], not_graded: dict[str, str],
                      refused: list[tuple[str, str]], notes: list[str] = ()) -> dict:
    """Rebuild gradebook.csv, summary.md, summary.json and histogram.png; returns the summary."""
    summary = class_summary(week.name, metas, not_graded, refused, notes)
    exercises = [e["id"] for e in summary["exercises"]] or list(week.exercise_modules)
    atomic_write(results_dir / GRADEBOOK, lambda f: f.write(gradebook_csv(metas, not_graded, exercises)))
    write_json(results_dir / SUMMARY_JSON, summary)
    atomic_write(results_dir / SUMMARY_MD, lambda f: f.write(summary_markdown(summary)))
    png = histogram_png([m["score"] for m in metas], summary["max_score"],
                        f"{week.name}: scores of {len(metas)} submissions")
    atomic_write(results_dir / HISTOGRAM, lambda f: f.write(png), binary=True)
    _fsync_dir(results_dir)
    return summary


# --------------------------------------------------------------------- the run


@dataclass
class BatchRun:
    """What one `grade_all` call did."""

    discovery: Discovery
    summary: dict
    skipped: int = 0
    graded: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # student -> why they could not be graded
    interrupted: bool = False
    notes: list[str] = field(default_factory=list)  # about the whole run, for the instructor

    @property
    def complete(self) -> bool:
        return not self.failed and not self.interrupted and not self.discovery.refused


class BatchError(Exception):
    """The batch cannot run at all (another run holds the results folder, or the
    isolation asked for is not available)."""


def class_isolation(week: Week, requested: str | None) -> str:
    """The isolation a whole class is graded under: "rlimits" only when asked for on the
    command line (`requested`), else "bubblewrap", which must run here. Unlike a single
    grading, "auto" never falls back: without bubblewrap every submission could read the
    reference solutions and the other students' files and results. Raises BatchError."""
    from . import isolation
    from .sandbox import Limits

    if requested == "rlimits":
        return "rlimits"
    if requested is None and Limits.from_rubric(week.rubric).isolation == "rlimits":
        raise BatchError(f"{week.name}'s rubric sets isolation = \"rlimits\"; grading a whole class without "
                         "bubblewrap must be asked for on the command line: pass --isolation rlimits")
    ok, why = isolation.probe()
    if not ok:
        raise BatchError(f"{why}, and a whole class is never graded without it: each submission could read the "
                         "reference solutions and the other students' files and results. Install bubblewrap "
                         "(Debian/Ubuntu: apt-get install bubblewrap), or pass --isolation rlimits to grade with "
                         "resource limits only, knowingly.")
    return "bubblewrap"


def vet(week: Week, sub: Submission, inbound: Path | None = None, nbgrader: bool = False) -> Vetting:
    """What grading must know of `sub` before it starts (`grader.provenance`): links on the
    way to its files and other owners, and in an nbgrader course copies of the reference and
    the student's inbound submissions."""
    if sub.entry is None:
        return Vetting()
    if nbgrader and not sub.is_zip:
        return vet_nbgrader(week, sub.student, sub.path, inbound)
    files = [] if sub.is_zip else [sub.path / f"{m}.py" for m in week.modules]
    return vet_entry(sub.student, sub.entry, sub.path, files)


def resolved_isolation(requested: str | None) -> str:
    """How student code will be confined ("bubblewrap" or "rlimits only"), part of the
    fingerprint: installing bubblewrap regrades what was graded without it."""
    from .isolation import resolve_mode

    try:
        return resolve_mode(requested or "auto")[0]
    except RuntimeError as e:  # bubblewrap required but not available
        raise BatchError(str(e)) from None


class Progress:
    """Counts and ETA on the console: a rich progress bar on a terminal, else one line
    per finished student ("[12/200] alice 63/63")."""

    def __init__(self, console):
        self.console = console
        self.bar = None

    def start(self, total: int, done: int) -> None:
        self.total, self.done, self.first, self.t0 = total, done, done, time.monotonic()
        if self.console.is_terminal and total > done:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)

            self.bar = Bar(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                           TextColumn("eta"), TimeRemainingColumn(), TextColumn("{task.description}"),
                           console=self.console)
            self.bar.start()
            self.task = self.bar.add_task("", total=total, completed=done)

    def finished(self, student: str, outcome: str) -> None:
        from rich.markup import escape
        from rich.text import Text

        self.done += 1
        if self.bar is not None:
            # The bar's text column reads rich markup: the line is escaped (and printable) so that
            # whatever it holds is shown as typed.
            self.bar.update(self.task, advance=1, description=escape(printable(f"{student} {outcome}")))
            if not outcome[:1].isdigit():
                self.bar.console.print(Text(printable(f"{student}: {outcome}"), style="red"))
            return
        rate = (time.monotonic() - self.t0) / max(self.done - self.first, 1)
        eta = int(rate * (self.total - self.done))
        self.console.print(Text(printable(f"[{self.done}/{self.total}] {student} {outcome}")
                                + (f"  (eta {eta // 60}:{eta % 60:02d})" if self.done < self.total else "")),
                           soft_wrap=True)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def grade_all(week: Week, submissions_dir: str | Path, results_dir: str | Path, *, jobs: int | None = None,
              device: str = "auto", call_timeout: float | None = None, memory_mb: int | None = None,
              isolation: str | None = None, student_timeout: float | None = None,
              progress: Progress | None = None, students: list[str] | None = None, force: bool = False) -> BatchRun:
    """Grade every submission in `submissions_dir` into `results_dir`, resuming a
    previous run there (see the module's docstring), and rebuild the class files.
    `students`: grade only these (the class files still cover everyone); `force`: regrade
    even those whose results are up to date.
    Student code runs under bubblewrap unless `isolation` is "rlimits" (`class_isolation`:
    "auto" does not fall back); BatchError when that cannot be."""
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    lock = acquire_lock(results_dir / LOCK)
    try:
        return _grade_all(week, Path(submissions_dir), results_dir.resolve(), jobs or os.cpu_count() or 1,
                          {"device": device, "call_timeout": call_timeout, "memory_mb": memory_mb,
                           "isolation": class_isolation(week, isolation)}, progress, student_timeout,
                          students=students, force=force)
    finally:
        _remove(results_dir / LOCK)  # while still holding it: a run waiting on this file retries
        lock.close()


def acquire_lock(path: Path):
    """The lock file at `path`, open and exclusively locked (flock), for the run to unlink and
    close when it ends. A run that opened the file just before the holder unlinked it would
    hold a lock on a file no longer there; so once locked, the file must still be the one at
    `path`, else it is tried again. BatchError when another run holds it."""
    while True:
        try:
            lock = open(path, "a", opener=_open_nofollow)
        except OSError as e:
            raise BatchError(f"cannot open the lock file {path} ({e.strerror})") from None
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            raise BatchError(f"another grade-all is writing to {path.parent}") from None
        try:
            now, held = os.stat(path, follow_symlinks=False), os.fstat(lock.fileno())
            if (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino):
                return lock
        except FileNotFoundError:
            pass
        lock.close()


def _grade_all(week: Week, submissions_dir: Path, results_dir: Path, jobs: int, options: dict,
               progress: Progress | None, student_timeout: float | None = None, *,
               students: list[str] | None = None, force: bool = False) -> BatchRun:
    found = discover(week, submissions_dir, exclude=results_dir)
    if students:
        ids = {s.student for s in found.submissions}
        unknown = [s for s in dict.fromkeys(students) if s not in ids]
        if unknown:
            refused = {name.removesuffix(".zip") for name, _ in found.refused}
            raise BatchError("no gradable submission for " + ", ".join(
                printable(s) + (" (refused: see the run without --student)" if s in refused else "")
                for s in unknown) + f" in {found.root or submissions_dir}")
    clean_stray_files(results_dir)
    remove_old_scratch(results_dir)
    key = grading_key(week, {**options, "isolation": resolved_isolation(options["isolation"])})
    nbgrader, inbound, notes = found.layout == "nbgrader", None, []
    if nbgrader and found.root is not None:
        inbound, why = exchange_inbound(found.root.parent)
        if inbound is None:
            notes.append(f"the nbgrader exchange was not checked ({why}): symbolic links and other owners in the "
                         "students' inbound submissions could not be looked for")
    vetted = {s.student: vet(week, s, inbound, nbgrader) for s in found.submissions}
    prints = {s.student: fingerprint(s, week.modules, key, vetted[s.student]) for s in found.submissions}
    done = {s.student for s in found.submissions if finished(results_dir / s.student, prints[s.student]) is not None}
    todo = [s for s in found.submissions
            if (not students or s.student in students) and (force or s.student not in done)]
    run = BatchRun(found, {}, skipped=len(done - {s.student for s in todo}), notes=notes)

    def on_result(kind: str, student: str, details: tuple) -> None:
        if kind == "done":
            run.graded += 1
            outcome = f"{format_points(details[0])}/{format_points(details[1])}"
        else:
            run.failed[student] = details[0]
            outcome = f"could not be graded: {details[0]}"
        if progress:
            progress.finished(student, outcome)

    for s in todo:
        (results_dir / s.student).mkdir(exist_ok=True)
        invalidate(results_dir / s.student)
    if progress:
        progress.start(run.skipped + len(todo), run.skipped)
    scratch = make_scratch(results_dir) if todo else None
    config = {"week": week.name, "course": str(week.root), "results_dir": str(results_dir), "options": options,
              "scratch": str(scratch)}
    try:
        if todo:
            if student_timeout is None:
                from .sandbox import Limits

                student_timeout = student_seconds(week, Limits.from_rubric(
                    week.rubric, call_seconds=options["call_timeout"], memory_mb=options["memory_mb"]))
            details = {s.student: {"entry": str(s.entry) if s.entry else "", "refused": vetted[s.student].refused,
                                   "flags": vetted[s.student].flags} for s in todo}
            run_judges([(s.student, str(s.path), prints[s.student], details[s.student]) for s in todo], jobs,
                       config, on_result, max_seconds=student_timeout)
    except KeyboardInterrupt:
        run.interrupted = True
    finally:
        if progress:
            progress.stop()
        if scratch is not None:
            remove_scratch(results_dir, scratch)
    metas, not_graded = [], {}
    for s in found.submissions:
        meta = finished(results_dir / s.student, prints[s.student])
        if meta is not None:
            metas.append(meta)
        else:
            not_graded[s.student] = run.failed.get(s.student) or (
                "not graded yet (the run was interrupted)" if run.interrupted else "not graded yet")
    run.summary = write_class_files(results_dir, week, metas, not_graded, found.refused, run.notes)
    return run


def render_run(run: BatchRun, results_dir: Path, console, verbose: bool = False) -> None:
    """What the console shows after a run: refused and failed students, the class summary."""
    from rich.text import Text

    def say(text: str, style: str = "") -> None:
        console.print(Text(text, style=style), soft_wrap=True)

    s = run.summary
    for name, why in run.discovery.refused:
        say(f"refused {printable(name)!r}: {why}", "red")
    ignored = run.discovery.ignored
    for name, why in ignored if verbose else ():
        say(f"ignored {printable(name)!r}: {why}", "dim")
    if ignored and not verbose:
        names = ", ".join(repr(printable(n)) for n, _ in ignored[:10]) + (", …" if len(ignored) > 10 else "")
        what = "entry that is not a submission" if len(ignored) == 1 else "entries that are not submissions"
        say(f"ignored {len(ignored)} {what}: {names} (-v says why)", "dim")
    for student, why in sorted(run.failed.items()):
        say(f"could not grade {student}: {why}", "red")
    for f in s.get("flagged", ()):
        for flag in f["flags"]:
            say(f"flagged {f['student']}: {printable(flag)}", "yellow")
    for note in s.get("notes", ()):
        say(f"note: {printable(note)}", "yellow")
    line = f"{s['week']}: {s['graded']} graded ({s['graded'] - run.skipped} in this run, {run.skipped} unchanged)"
    if s["graded"]:
        line += f", mean {format_points(s['mean'])} / {format_points(s['max_score'])}"
    say(line)
    failing = [ex for ex in s["exercises"] if ex["failed"]]
    for ex in failing if verbose else sorted(failing, key=lambda e: -e["failed_percent"])[:8]:
        say("  " + exercise_line(ex))
    say(f"Wrote {GRADEBOOK}, {SUMMARY_MD}, {SUMMARY_JSON} and {HISTOGRAM} in {results_dir}")
    if s["not_isolated"]:
        say(f"WARNING: {isolation_warning(s)}", "bold red")
