"""An installed kit grades: a wheel of the project, installed into a fresh virtual environment
outside the repository and into one inside a copy of the course (``course/.venv``), grades the
week 1 reference to full marks under bubblewrap.

Installed, the grader lives in a site-packages beside NumPy; that folder (and a virtual
environment inside the course) must stay on the student process's import path while the
course and the grader stay out of its sight.

To stay fast the environments do not install the heavy libraries: those of this interpreter
(torch, SciPy, scikit-learn…) are reached through a folder of links that leaves NumPy out, and
NumPy's installed files are copied into the environment's own site-packages, next to the
grader, which is where ``pip install`` puts them. The grader itself is installed by pip from the
wheel, without the network."""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import numpy
import pytest

import grader
from grader import isolation
from grader.course import WEEKS
from grader.numpy_only import VISIBLE

from conftest import imported_top_levels

REPO = Path(grader.__file__).resolve().parent.parent
WEEK = "week1_linear_models"
BWRAP_OK, BWRAP_WHY = isolation.probe()



# The installed kit's processes see their own environment's path only (not the repository's PYTHONPATH).
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}


def run(cmd, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=600, **kwargs)
    assert done.returncode == 0, f"{' '.join(map(str, cmd))}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel of the project, built from a copy of what it packages (the repository is left as it was:
    no build/ or *.egg-info appears in it)."""
    pytest.importorskip("setuptools", reason="building the wheel needs setuptools")
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    shutil.copytree(REPO / "grader", src / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
         str(src), "-w", str(tmp / "dist")])
    (found,) = (tmp / "dist").glob("dlgrade-*.whl")
    return found


@pytest.fixture(scope="module")
def libraries(tmp_path_factory) -> Path:
    """A folder of links to this interpreter's installed packages, NumPy and the kit excepted."""
    folder = tmp_path_factory.mktemp("libraries")
    for sp in [*site.getsitepackages(), site.getusersitepackages()]:
        if not os.path.isdir(sp):
            continue
        for entry in sorted(os.listdir(sp)):
            if (VISIBLE.match(entry) or entry == "grader" or "dlgrade" in entry or entry.startswith("__editable__")
                    or entry.endswith(".pth") or entry == "__pycache__" or (folder / entry).exists()):
                continue
            (folder / entry).symlink_to(os.path.join(sp, entry))
    return folder


def make_venv(venv: Path, wheel: Path, libraries: Path) -> Path:
    """A virtual environment at `venv` with the kit installed from `wheel` and NumPy beside it; the
    other libraries come from `libraries`. Returns its ``dlgrade`` command."""
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    purelib = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)])
    numpy_home = Path(numpy.__file__).resolve().parent.parent
    for entry in os.listdir(numpy_home):
        if VISIBLE.match(entry) and (entry == "numpy" or entry.startswith(("numpy.", f"numpy-{numpy.__version__}"))):
            shutil.copytree(numpy_home / entry, purelib / entry, symlinks=True)
    (purelib / "libraries.pth").write_text(f"{libraries}\n")
    check = run([python, "-c", "import numpy, grader, torch; print(numpy.__file__); print(grader.__file__)"],
                env=CLEAN_ENV, cwd=venv).stdout
    assert check.split() == [str(purelib / "numpy" / "__init__.py"), str(purelib / "grader" / "__init__.py")]
    return venv / "bin" / "dlgrade"


def course_copy(folder: Path) -> Path:
    """A course with week 1's rubric, checks and reference solution."""
    for part in ("assignments", "solutions"):
        shutil.copytree(REPO / part / WEEK, folder / part / WEEK, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def grade_reference(dlgrade: Path, course: Path, cwd: Path, out: Path) -> dict:
    done = subprocess.run([str(dlgrade), "--course", str(course), "grade", "week1", str(course / "solutions" / WEEK),
                           "--isolation", "bubblewrap", "--json", str(out)], capture_output=True, text=True,
                          cwd=cwd, stdin=subprocess.DEVNULL, timeout=600, env={**CLEAN_ENV, "COLUMNS": "200"})
    assert done.returncode == 0 and out.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.mark.skipif(not BWRAP_OK, reason=f"grading under bubblewrap is not possible here: {BWRAP_WHY}")
def test_an_installed_wheel_grades_the_reference_to_full_marks_under_bubblewrap(wheel, libraries, tmp_path):
    """With the kit installed from a wheel into a virtual environment outside the repository, and into
    one inside the course folder (course/.venv), does the week 1 reference score full marks under
    bubblewrap (the student's process still imports the NumPy installed beside the grader)?"""
    before = sorted(p.name for p in REPO.iterdir())
    course = course_copy(tmp_path / "course")
    outside = make_venv(tmp_path / "venv", wheel, libraries)
    inside = make_venv(course / ".venv", wheel, libraries)
    for dlgrade, cwd in ((outside, tmp_path), (inside, course)):
        results = grade_reference(dlgrade, course, cwd, tmp_path / f"{dlgrade.parent.parent.name}.json")
        total = sum(t["max_score"] for t in results["tests"])
        assert total > 0 and results["score"] == total, [t for t in results["tests"] if t["score"] != t["max_score"]]
    assert sorted(p.name for p in REPO.iterdir()) == before


# Import names whose distribution is called otherwise.
DISTRIBUTIONS = {"sklearn": "scikit-learn", "yaml": "pyyaml", "PIL": "pillow", "markdown_it": "markdown-it-py"}
# Imported only by the nbgrader commands (dlgrade nbgrader …), which need the nbgrader extra anyway.
NBGRADER_ONLY = {"nbgrader"}
EXTRA_ONLY = {"ray": "ray"}  # a library -> the extra that brings it (the core never imports it at start)


def third_party_imports(files) -> dict[str, set[str]]:
    """distribution -> the files that import it (lazily too), outside the standard library and the kit."""
    found: dict[str, set[str]] = {}
    for f in files:
        for top in imported_top_levels(f) - set(sys.stdlib_module_names) - {"grader"}:
            found.setdefault(DISTRIBUTIONS.get(top, top), set()).add(f.name)
    return found


def names(requirements) -> set[str]:
    return {r.split(";")[0].split("[")[0].split("<")[0].split(">")[0].split("=")[0].split("~")[0].strip().lower()
            for r in requirements}


def test_the_package_declares_what_it_imports_and_the_python_it_needs(wheel):
    """Is every library the grader imports (lazily too) a dependency of the package, the nbgrader bridge's
    and the Ray executor's excepted (in the nbgrader and ray extras, and dev), are a notebook's kernel and client named in the extras, is the Python
    that tomllib needs claimed, and does the built wheel say so?"""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    core = names(project["dependencies"])
    extras = {extra: names(reqs) for extra, reqs in project["optional-dependencies"].items()}
    for dist, files in third_party_imports(sorted((REPO / "grader").glob("*.py"))).items():
        if dist in NBGRADER_ONLY:
            assert dist in extras["nbgrader"] and dist not in core, dist
        elif dist in EXTRA_ONLY:
            assert dist in extras[EXTRA_ONLY[dist]] and dist in extras["dev"] and dist not in core, dist
        else:
            assert dist in core, f"{dist} is imported by {sorted(files)} but is not a dependency"
    for extra in ("nbgrader", "dev"):
        assert {"ipykernel", "nbclient"} <= extras[extra], extra
    tests = third_party_imports(sorted((REPO / "tests").rglob("*.py")))
    local = {p.stem for p in (REPO / "tests").rglob("*.py")} | {"solutions", *WEEKS}  # a week's package, as notebooks import it
    assert set(tests) - local <= core | extras["dev"], set(tests) - local - core - extras["dev"]
    assert project["requires-python"] == ">=3.11"  # tomllib, which grader.course reads rubrics with
    with zipfile.ZipFile(wheel) as z:
        meta = z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    assert "Requires-Python: >=3.11" in meta
    assert {"nbformat", "traitlets"} <= names(line.split(":", 1)[1] for line in meta.splitlines()
                                              if line.startswith("Requires-Dist:") and "extra ==" not in line)


STUB_PYTHON = """#!/bin/sh
# A stand-in for python: records pip's arguments; says whether torch is there from $STUB_TORCH.
if [ "$1" = "-c" ]; then
  case "$2" in *torch.__version__*) [ "$STUB_TORCH" = present ] || exit 1; echo 2.13.0 ;; esac
  exit 0
fi
if [ "$1" = "-V" ]; then echo "Python 3.11.0"; exit 0; fi
shift 2
echo "$*" >> "$STUB_LOG"
echo "Collecting something-new"
echo "Requirement already satisfied: numpy in /somewhere"
[ -n "$STUB_PIP_FAILS" ] && exit 3
exit 0
"""


@pytest.mark.parametrize("torch", ["present", "absent"])
def test_setup_says_what_each_step_does_and_keeps_a_users_torch(tmp_path, torch):
    """Does scripts/setup.sh say what it is doing before each long step (pip's own progress not silenced,
    its line per requirement already there left out), keep a torch >= 2.13 that is there, and install the
    kit with its dev extra?"""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    python = bin_dir / "python3"
    python.write_text(STUB_PYTHON)
    python.chmod(0o755)
    (bin_dir / "bwrap").write_text("#!/bin/sh\n")
    (bin_dir / "bwrap").chmod(0o755)
    log = tmp_path / "pip.log"
    done = subprocess.run(["bash", str(REPO / "scripts" / "setup.sh")], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL, env={**os.environ, "PYTHON": str(python), "STUB_LOG": str(log),
                                                         "STUB_TORCH": torch, "PATH": f"{bin_dir}:{os.environ['PATH']}"})
    assert done.returncode == 0, done.stderr
    steps = [line for line in done.stdout.splitlines() if line.startswith("setup: ")]
    pip = log.read_text().splitlines()
    assert all("--quiet" not in call and " -q" not in f" {call}" for call in pip)
    if torch == "present":
        assert pip == ["install -e .[dev]"]
        assert steps[0] == "setup: keeping the installed PyTorch 2.13.0"
    else:
        assert pip == ["install torch==2.13.0", "install -e .[dev]"]
        assert steps[0].startswith("setup: installing PyTorch 2.13.0")
    assert steps[1].startswith("setup: installing the kit") and steps[-1].startswith("setup: done")
    assert "Collecting something-new" in done.stdout and "Requirement already satisfied" not in done.stdout


def test_setup_fails_when_pip_fails(tmp_path):
    """Does a pip failure still stop scripts/setup.sh with a non-zero status (its output goes through a filter)?"""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("python3", STUB_PYTHON), ("bwrap", "#!/bin/sh\n")):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    done = subprocess.run(["bash", str(REPO / "scripts" / "setup.sh")], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL, env={**os.environ, "PYTHON": str(bin_dir / "python3"),
                                                         "STUB_LOG": str(tmp_path / "pip.log"), "STUB_TORCH": "present",
                                                         "STUB_PIP_FAILS": "1", "PATH": f"{bin_dir}:{os.environ['PATH']}"})
    assert done.returncode != 0 and "setup: done" not in done.stdout


def test_setup_refuses_a_python_older_than_3_11(tmp_path):
    """Does scripts/setup.sh stop at once, saying why, with a Python the kit cannot run on?"""
    python = tmp_path / "python3"
    python.write_text("#!/bin/sh\n[ \"$1\" = -V ] && echo 'Python 3.10.12'\nexit 1\n")
    python.chmod(0o755)
    done = subprocess.run(["bash", str(REPO / "scripts" / "setup.sh")], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL, env={**os.environ, "PYTHON": str(python)})
    assert done.returncode == 1
    assert "needs Python 3.11 or later" in done.stderr and "3.10.12" in done.stderr
