"""Finding a class's submissions: the first step of grading a cohort (`grader.cohort`).

SUBMISSIONS_DIR holds one entry per student: a folder (the week's module files in it, or in
a ``<week folder>/`` or one other folder inside it: `week_folder`) or a ``<student>.zip``
(the modules at its top or under one folder: `extract_zip`). ``dlgrade grade`` and ``check``
read the one submission they are given the same way (`submission_at`). Hidden entries
(``.git``) are ignored, and said to be. An nbgrader course (a folder holding ``submitted/``,
or the ``submitted/`` folder itself) is read as ``submitted/<student>/<week>/``. The student
id names the results folder, so ids that are not safe folder names are refused. An entry
holds only its student's own work: no symbolic link is followed from it down (the sandbox
opens every folder and file without following one), and what may be someone else's work (a
link and its target, files of another owner, in an nbgrader course the exchange's evidence)
is flagged for the instructor (`vet`, `grader.provenance`).
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .course import Week
from .provenance import Vetting, vet_entry, vet_nbgrader
from .report import printable, submission_label
from .store import CLASS_FILES

SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}")
RESERVED_IDS = frozenset(n.casefold() for n in CLASS_FILES)

ZIP_MAX_BYTES = 20 << 20  # total uncompressed size of a zip's members
ZIP_MAX_MEMBERS = 1000


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

