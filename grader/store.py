"""The results store of a cohort: the source of truth of who is graded (`grader.cohort`).

RESULTS_DIR holds ``<student>/`` per student with ``results.json`` (Gradescope),
``feedback.md``, ``report.json`` (the whole report, which nbgrader's gradebook is filled from)
and ``grading.json`` (what the class summary needs, and the fingerprint of what was graded).

A result's key is its fingerprint (`fingerprint`): the sha256 of the submitted module files
(or of the zip), what vetting found, the week, the grading options, the week's checks, rubric
and reference solution, and the grader's version and source files (`grading_key`). Not the
executor: a result graded on a Ray cluster is the one a laptop would write.

Results are written once and atomically (`Store.put`), only by the process that drives the
run (workers send theirs back): a temporary file renamed over each, a student's files in this
order: the stale ``results.json`` removed, ``feedback.md``, ``report.json``, ``grading.json``,
then ``results.json``, which marks the student done. A student is done when ``results.json``
exists and ``grading.json`` holds the current fingerprint (`finished`), and a second result
for the same fingerprint (the same submission graded twice, after a worker was presumed lost)
is dropped. So after a kill at any instant a re-run grades exactly the unfinished and the
changed submissions and ends with the files an uninterrupted run writes (timings aside).
Stray temporary files of a killed run are removed first (`clean_stray_files`), and so are the
judges' temporary folders, which live in one private scratch folder per run in the system's
temporary folder (`make_scratch`); a lock file, removed when the run ends, keeps two runs out of
one RESULTS_DIR (`acquire_lock`).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

from .course import CourseError, Week
from .provenance import Vetting, grader_digest, grader_version
from .report import atomic_write, write_gradescope, write_markdown
from .scoring import GradeReport

RESULTS, FEEDBACK, REPORT, META = "results.json", "feedback.md", "report.json", "grading.json"
GRADEBOOK, SUMMARY_MD, SUMMARY_JSON, HISTOGRAM = "gradebook.csv", "summary.md", "summary.json", "histogram.png"
CLASS_FILES = (GRADEBOOK, SUMMARY_MD, SUMMARY_JSON, HISTOGRAM)
LOCK = ".dlgrade-grade-all.lock"
OWN_FILES = (RESULTS, FEEDBACK, REPORT, META, *CLASS_FILES)
STRAY_TMP = re.compile(r"^\.(%s)\..+\.tmp$" % "|".join(re.escape(n) for n in OWN_FILES))
META_FORMAT = 2  # 2: report.json beside grading.json


class BatchError(CourseError):
    """The run cannot start at all (another run holds the results folder, the isolation asked
    for is not available, the executor cannot start)."""


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


def fingerprint(sub, modules: list[str], key: str, vetting: Vetting | None = None) -> str:
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
    write_json(student_dir / REPORT, report.to_dict())
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


def acquire_lock(path: Path):
    """The lock file at `path`, open and exclusively locked (flock), for the run to unlink and
    close when it ends. A run that opened the file just before the holder unlinked it would
    hold a lock on a file no longer there; so once locked, the file must still be the one at
    `path`, else it is tried again. BatchError when another run holds it."""
    while True:
        try:
            lock = open(path, "a", opener=lambda p, flags: os.open(p, flags | os.O_NOFOLLOW))
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



def load_report(student_dir: Path) -> GradeReport:
    """The report stored for the student (``report.json``). OSError or ValueError when it is
    missing or unreadable."""
    return GradeReport.from_dict(json.loads((student_dir / REPORT).read_text(encoding="utf-8")))


class Store:
    """The results of one RESULTS_DIR, written only through `put`, once per fingerprint."""

    def __init__(self, results_dir: Path):
        self.root = results_dir
        self.duplicates = 0  # results dropped because the same fingerprint was already stored

    def finished(self, student: str, fp: str) -> dict | None:
        return finished(self.root / student, fp)

    def put(self, student: str, fp: str, report: GradeReport, meta: dict) -> bool:
        """Store `report` (with its grading.json `meta`) as the student's result for `fp`; False,
        leaving what is stored untouched, when a result for `fp` is already there."""
        if self.finished(student, fp) is not None:
            self.duplicates += 1
            return False
        write_student(report, self.root / student, meta)
        return True

    def report(self, student: str) -> GradeReport:
        return load_report(self.root / student)
