"""A Gradescope autograder for one week.

``dlgrade gradescope WEEK --out autograder_week1.zip`` writes the zip that Gradescope's
"Zip file upload" takes (https://gradescope-autograders.readthedocs.io/en/latest/specs/).
Gradescope unpacks it into ``/autograder/source``, runs ``setup.sh`` once, as root, when it
builds the image, and ``run_autograder`` for every submission, with the student's files in
``/autograder/submission``; the results must land in ``/autograder/results/results.json``.
The zip holds, at its root:

- ``setup.sh``: installs bubblewrap, a Python this grader supports, PyTorch's CPU build
  and this grader (editable, with its dependencies) into the system's Python, which the
  sandbox shows student code (the course folder it never sees);
- ``run_autograder``: ``dlgrade --course /autograder/source grade WEEK
  /autograder/submission --json /autograder/results/results.json``;
- the grader (``grader/``, ``pyproject.toml``) and what grading the week reads:
  ``assignments/<week>/`` (rubric, public and hidden checks), the stubs of
  ``student_template/<week>/`` (which exercise lives in which module, hence which must be
  NumPy-only), and of ``solutions/<week>/`` only the modules a hidden check reads through
  ``ref.<module>`` (`reference_modules`; none for most weeks);
- ``secret``: the instructor's course secret (`grader.heldout`), so that the held-out data
  are those of the instructor's own grading. The zip is written readable by its owner only.

Students never get this zip. While their code runs it sees none of it under bubblewrap;
where Gradescope's container cannot run bubblewrap, grading falls back to resource limits
and says so in the instructor-only stdout. ``AUTOGRADER_ROOT`` (default ``/autograder``)
and ``DLGRADE_PYTHON`` (default: the Python setup.sh installed into) let the scripts be tried
elsewhere.
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from pathlib import Path

from .course import Week
from .heldout import course_secret
from .kit import KitError, copy_grader, min_python

TORCH = "torch==2.13.0"
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
EXECUTABLE, READABLE, PRIVATE = 0o755, 0o644, 0o600
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the same files give the same zip

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image: bubblewrap (it
# confines student code while it is graded), Python {python}+, PyTorch's CPU build and the grader
# with its dependencies. They go into the system's Python, under /usr, which the sandbox shows
# student code read-only (a virtual environment elsewhere would not be there). Built by dlgrade.
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
SOURCE="$ROOT/source"
export DEBIAN_FRONTEND=noninteractive PIP_BREAK_SYSTEM_PACKAGES=1 PIP_ROOT_USER_ACTION=ignore
echo "setup: system packages (bubblewrap, Python, pip)"
apt-get update
apt-get install -y bubblewrap python3-pip
PY=/usr/bin/python3
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < ({major}, {minor}))'; then
  echo "setup: python3 is older than {python}; installing python{python}"
  apt-get install -y python{python} python{python}-venv
  PY=/usr/bin/python{python}
  "$PY" -m pip --version >/dev/null 2>&1 || "$PY" -m ensurepip
fi
echo "setup: PyTorch ({torch}, CPU build)"
"$PY" -m pip install "{torch}" --index-url {index}
echo "setup: the grader and its dependencies"
"$PY" -m pip install -e "$SOURCE"
echo "$PY" > "$ROOT/dlgrade-python"
echo "setup: done ($("$PY" --version), grader installed from $SOURCE)"
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission: the public and hidden checks of {week} on the
# files in /autograder/submission, into /autograder/results/results.json. Built by dlgrade.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
SOURCE="$ROOT/source"
PYTHON="${{DLGRADE_PYTHON:-$(cat "$ROOT/dlgrade-python" 2>/dev/null || echo python3)}}"
# The instructor's course secret: the held-out data are those of the instructor's grading.
export DLGRADE_SECRET_FILE="$SOURCE/secret"
unset DLGRADE_SECRET DLGRADE_COURSE
mkdir -p "$ROOT/results"
cd "$SOURCE" || exit 2
exec "$PYTHON" -m grader --course "$SOURCE" grade {week} "$ROOT/submission" --json "$ROOT/results/results.json"
"""

README = """\
# Gradescope autograder: {week}

Built by `dlgrade gradescope`. Upload this zip as the assignment's autograder (Configure
Autograder, Zip file upload; an Ubuntu 22.04 or newer base image). Students upload the week's
module files ({files}), at the top of the upload or in one folder.

It holds the course secret (`secret`) and the hidden checks: keep it private.
"""


def reference_modules(week: Week) -> list[str]:
    """The modules of the reference solution that the week's hidden checks read (through
    ``ref.<module>``), with the modules those import relatively, in course order."""
    text = "\n".join(p.read_text() for p in sorted(week.assignment_dir.glob("hidden_*.py")))
    wanted = {m for m in re.findall(r"\bref\.(\w+)", text) if m in week.modules}
    todo = list(wanted)
    while todo:
        path = week.solution_dir / f"{todo.pop()}.py"
        if not path.is_file():
            raise KitError(f"a hidden check of {week.name} reads the reference's {path.name}, which is missing")
        for m in re.findall(r"^\s*from \.(\w+) import", path.read_text(), re.MULTILINE):
            if m in week.modules and m not in wanted:
                wanted.add(m)
                todo.append(m)
    return [m for m in week.modules if m in wanted]


def _add(zf: zipfile.ZipFile, name: str, data: bytes, mode: int) -> None:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.external_attr = (0o100000 | mode) << 16  # a regular file with these permission bits
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def autograder_files(week: Week) -> dict[str, tuple[bytes, int]]:
    """The zip's members: name -> (contents, permission bits)."""
    files: dict[str, tuple[bytes, int]] = {}
    with tempfile.TemporaryDirectory(prefix="dlgrade-gradescope-") as tmp:
        copy_grader(Path(tmp))
        for path in sorted(Path(tmp).rglob("*")):
            if path.is_file():
                files[path.relative_to(tmp).as_posix()] = (path.read_bytes(), READABLE)
    python = min_python(files["pyproject.toml"][0].decode())
    major, minor = python.split(".")
    files["setup.sh"] = (SETUP_SH.format(python=python, major=major, minor=minor, torch=TORCH,
                                         index=TORCH_INDEX).encode(), EXECUTABLE)
    files["run_autograder"] = (RUN_AUTOGRADER.format(week=week.name).encode(), EXECUTABLE)
    files["README.md"] = (README.format(week=week.name, files=", ".join(f"{m}.py" for m in week.modules)).encode(),
                          READABLE)
    data = set(week.data_files)  # a week's data modules, which its checks import (week 6's scenes.py)
    for path in sorted(week.assignment_dir.iterdir()):
        if path.name == "rubric.toml" or re.fullmatch(r"(public|hidden)_\w+\.py", path.name) or path in data:
            files[f"assignments/{week.name}/{path.name}"] = (path.read_bytes(), READABLE)
    for path in sorted(week.template_dir.glob("*.py")):
        files[f"student_template/{week.name}/{path.name}"] = (path.read_bytes(), READABLE)
    for module in reference_modules(week):
        files[f"solutions/{week.name}/{module}.py"] = ((week.solution_dir / f"{module}.py").read_bytes(), READABLE)
    files["secret"] = (course_secret() + b"\n", PRIVATE)
    return files


def build_autograder(week: str | Week, out: str | Path, root: str | Path | None = None) -> Path:
    """Write the Gradescope autograder zip of `week` (of the course at `root`) to `out`,
    readable by its owner only (it holds the course secret). Returns `out`."""
    week = week if isinstance(week, Week) else Week.load(week, root)
    if not week.template_dir.is_dir():
        raise KitError(f"{week.name} has no student template at {week.template_dir}; run 'dlgrade template'")
    files = autograder_files(week)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}-", dir=out.parent)  # mode 600
    try:
        with os.fdopen(fd, "wb") as f, zipfile.ZipFile(f, "w") as zf:
            for name in sorted(files):
                _add(zf, name, *files[name])
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def register_cli(subparsers) -> None:
    """Add ``dlgrade gradescope WEEK --out ZIP`` to the CLI's subcommands."""
    g = subparsers.add_parser("gradescope", help="build a week's Gradescope autograder zip (setup.sh, run_autograder)")
    g.add_argument("week", help="week1 … week6, or the week's folder name")
    g.add_argument("--out", help="the zip to write (default: autograder_<week>.zip)")
    g.set_defaults(func=cmd_gradescope)


def cmd_gradescope(args) -> int:
    week = Week.load(args.week, getattr(args, "course", None))
    out = build_autograder(week, args.out or f"autograder_{week.short}.zip")
    print(f"Gradescope autograder for {week.name} written to {out} (it holds your course secret: keep it "
          f"private). Upload it under Configure Autograder, Zip file upload.")
    return 0
