"""Where a class's submission files came from, checked before grading trusts them.

A student's entry in a class (their folder or zip in ``grade-all``, their
``submitted/<student>/`` folder in an nbgrader course) is theirs by its name only. Three
things can make it hold someone else's work, and each is reported to the instructor
(`Vetting.flags`: grading.json, gradebook.csv and the class summary, or the table and
``dlgrade_flags.csv`` of ``dlgrade nbgrader autograde``; never the student's feedback):

* a symbolic link along the way (the entry itself, the week folder, a module file). The
  sandbox never follows one (`grader.sandbox.open_folder`), so it grades nothing; the
  flag names where the link points.
* ``nbgrader collect`` copies a student's inbound submission with the instructor's rights
  and follows links while doing so: a link there to ``solutions/`` or to another student's
  files arrives in ``submitted/`` as a plain copy. The inbound submissions of the student in
  the exchange are read: a module file that was a link there is refused (zero for its
  exercises, with a message), any other link is flagged, and module files identical to the
  reference solution are flagged even when the exchange cannot be read.
* a folder name is not an identity: a student can put a submission in the exchange (or in a
  shared folder) under another student's id. Where the id is a user of this machine, files
  owned by another user are flagged: in the inbound submission, every file; in the folder
  graded, files owned by neither the student nor the grading user (who owns what nbgrader
  collect and the instructor's own copies made).

The grader has a provenance too: its version and the digest of its own source files
(`grader_version`, `grader_digest`) are part of what a class's results were made with.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .report import printable

MAX_ENTRIES = 1000  # files looked at per inbound submission or folder


@dataclass
class Vetting:
    """What grading a student must know before it starts: modules it must not grade
    (module -> the student-facing reason) and flags for the instructor."""

    refused: dict[str, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.refused or self.flags)

    def digest(self) -> str:
        return hashlib.sha256(json.dumps([self.refused, self.flags], sort_keys=True).encode()).hexdigest()


# ----------------------------------------------------------------------------- links


def link_on_path(root: Path, path: Path) -> tuple[str, str] | None:
    """The first symbolic link met going from `root` (included) down to `path` (included),
    as (its path relative to root's parent, where it points), or None."""
    root, path = Path(os.path.abspath(root)), Path(os.path.abspath(path))
    here = root.parent
    for part in (root.name, *path.relative_to(root).parts):
        here = here / part
        try:
            if stat.S_ISLNK(os.lstat(here).st_mode):
                return str(here.relative_to(root.parent)), os.readlink(here)
        except OSError:
            return None
    return None


def _entries(folder: Path, limit: int = MAX_ENTRIES) -> list[tuple[Path, os.stat_result]]:
    """(path, lstat) of `folder` and everything under it, links not followed, at most `limit`."""
    out = []
    try:
        out.append((folder, os.lstat(folder)))
    except OSError:
        return out
    if not stat.S_ISDIR(out[0][1].st_mode):
        return out
    for top, dirs, files in os.walk(folder):
        for name in sorted(dirs) + sorted(files):
            if len(out) >= limit:
                return out
            try:
                out.append((Path(top) / name, os.lstat(Path(top) / name)))
            except OSError:
                pass
    return out


# ---------------------------------------------------------------------------- owners


def student_uid(student: str) -> int | None:
    """The uid of the user named `student` on this machine, or None when there is none."""
    try:
        return pwd.getpwnam(student).pw_uid
    except (KeyError, TypeError, ValueError):
        return None


def _user(uid: int) -> str:
    try:
        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:
        return f"uid {uid}"


def foreign_owners(student: str, paths: list[Path], allowed: tuple[int, ...] = ()) -> dict[int, list[str]]:
    """Owner uid -> names of the `paths` owned by a user other than `student` (and the
    `allowed` uids); empty when `student` is not a user here."""
    uid = student_uid(student)
    if uid is None:
        return {}
    found: dict[int, list[str]] = {}
    for path in paths:
        try:
            owner = os.lstat(path).st_uid
        except OSError:
            continue
        if owner != uid and owner not in allowed:
            found.setdefault(owner, []).append(path.name)
    return found


def _owner_flags(student: str, where: str, owners: dict[int, list[str]]) -> list[str]:
    return [f"{where}: {_names(names)} owned by {_user(owner)}, not by {printable(student)}; a submission made or "
            f"changed by someone else under this student's id?" for owner, names in sorted(owners.items())]


def _names(names: list[str]) -> str:
    shown = ", ".join(printable(n) for n in names[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")


# ------------------------------------------------------------------------ the checks


def vet_entry(student: str, entry: Path, path: Path, files: list[Path]) -> Vetting:
    """Flags for a class entry: a link from `entry` down to `path`, or among `files` (what it
    points to), and `files` owned by neither the student (where the id is a user here) nor the
    grading user."""
    found = Vetting()
    link = link_on_path(entry, path)
    if link is not None:
        found.flags.append(f"{printable(link[0])} is a symbolic link to {printable(link[1])}; it was not followed "
                           "and nothing behind it was graded")
    else:
        for file in files:
            if os.path.islink(file):
                found.flags.append(f"{printable(file.name)} is a symbolic link to {printable(os.readlink(file))}; "
                                   "it was not read")
        owners = foreign_owners(student, [p for p in [path, *files] if os.path.lexists(p)], allowed=(os.geteuid(),))
        found.flags += _owner_flags(student, "submission", owners)
    return found


def reference_copies(week, folder: Path) -> list[str]:
    """The week's modules whose file in `folder` is byte for byte the reference solution
    (modules whose reference is the stub itself, with nothing to write, are left out)."""
    out = []
    for module in week.modules:
        ref = _read(week.solution_dir / f"{module}.py")
        if ref is None or ref == _read(week.template_dir / f"{module}.py"):
            continue
        if _read(folder / f"{module}.py") == ref:
            out.append(module)
    return out


def _read(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(os.dup(fd), "rb") as f:
            return f.read(4_000_001)
    except OSError:
        return None
    finally:
        os.close(fd)


def exchange_inbound(course_dir: Path) -> tuple[Path | None, str]:
    """The inbound folder of the course's nbgrader exchange (from its nbgrader_config.py:
    ``Exchange.root`` and ``CourseDirectory.course_id``), or None and why not."""
    config = Path(course_dir) / "nbgrader_config.py"
    if not config.is_file():
        return None, f"{config} not found"
    try:
        from traitlets.config.loader import PyFileConfigLoader

        cfg = PyFileConfigLoader(config.name, path=str(config.parent)).load_config()
    except Exception as e:  # the instructor's file: say why it could not be read
        return None, f"{config} could not be read ({type(e).__name__}: {e})"
    root = cfg.Exchange.root if "root" in cfg.Exchange else "/srv/nbgrader/exchange"  # nbgrader's default
    course_id = cfg.CourseDirectory.course_id if "course_id" in cfg.CourseDirectory else ""
    if not isinstance(root, str) or not isinstance(course_id, str) or not course_id:
        return None, f"{config} sets no CourseDirectory.course_id"
    inbound = Path(root) / course_id / "inbound"
    if not inbound.is_dir():
        return None, f"the exchange's inbound folder {inbound} does not exist"
    return inbound, ""


def inbound_records(inbound: Path, student: str, assignment: str) -> list[tuple[Path, str]]:
    """(folder, timestamp) of every inbound submission of `assignment` under `student`'s
    id, named ``<student>+<assignment>+<timestamp>+<random>`` as nbgrader's submit names them."""
    out = []
    try:
        names = sorted(os.listdir(inbound))
    except OSError:
        return out
    for name in names:
        parts = name.rsplit("+", 3)
        if len(parts) >= 3 and parts[0] == student and parts[1] == assignment:
            out.append((inbound / name, parts[2]))
    return out


def vet_nbgrader(week, student: str, folder: Path, inbound: Path | None) -> Vetting:
    """What `dlgrade nbgrader autograde` and grade-all on an nbgrader course check in
    ``submitted/<student>/<week>/`` (`folder`) and in the student's inbound submissions."""
    found = vet_entry(student, folder.parent, folder, [folder / f"{m}.py" for m in week.modules])
    linked = link_on_path(folder.parent, folder) is not None  # then nothing in it is read, here or by the sandbox
    copies = [] if linked else reference_copies(week, folder)
    if copies:
        found.flags.append(f"{_names([f'{m}.py' for m in copies])} identical to the reference solution in "
                           f"solutions/{week.name}/ (nbgrader collect copies what a symbolic link in an inbound "
                           "submission points to, with your rights); look at the student's inbound submission")
    if inbound is None:
        return found
    records = inbound_records(inbound, student, week.name)
    stamp = None if linked else _read(folder / "timestamp.txt")
    stamp = stamp.decode("utf-8", "replace").strip() if stamp else None
    collected = [r for r in records if r[1] == stamp] or records  # which one collect took; else all of them
    for record, _ in records:
        where = f"inbound/{record.name}"
        entries = _entries(record)
        found.flags += _owner_flags(student, where, foreign_owners(student, [p for p, _ in entries]))
        links = [(p, os.readlink(p)) for p, st in entries if stat.S_ISLNK(st.st_mode)]
        if links:
            found.flags.append(f"{where} holds symbolic links, which nbgrader collect followed with your rights: "
                               + "; ".join(f"{printable(str(p.relative_to(inbound)))} -> {printable(t)}"
                                           for p, t in links[:5]) + (" …" if len(links) > 5 else ""))
        if any(record == r for r, _ in collected):
            linked = {p for p, _ in links}
            for module in week.modules:
                if record in linked or record / f"{module}.py" in linked:
                    found.refused[module] = (f"{module}.py was a symbolic link in your submission (nbgrader copied "
                                             "what it points to, not your file); links are never graded: submit "
                                             "the file itself")
    return found


__all__ = ["Vetting", "link_on_path", "vet_entry", "vet_nbgrader", "reference_copies", "exchange_inbound",
           "inbound_records", "student_uid", "foreign_owners"]


# ---------------------------------------------------------------------- the grader


def grader_version() -> str:
    """The installed ``dlgrade`` distribution's version; where it is not installed (a checkout
    run in place), the version its pyproject.toml declares, else "unknown"."""
    from importlib import metadata

    try:
        return metadata.version("dlgrade")
    except metadata.PackageNotFoundError:
        pass
    try:
        import tomllib

        with open(Path(__file__).resolve().parent.parent / "pyproject.toml", "rb") as f:
            project = tomllib.load(f).get("project", {})
        if project.get("name") == "dlgrade" and isinstance(project.get("version"), str):
            return project["version"] + " (not installed)"
    except (OSError, ValueError, ImportError):
        pass
    return "unknown"


def grader_digest() -> str:
    """sha256 of the grader package's own source files (``grader/*.py``), so that results made
    by an edited checkout are not taken for those of the code running now."""
    h = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        h.update(f"\0{path.name}\0".encode())
        h.update(path.read_bytes())
    return h.hexdigest()
