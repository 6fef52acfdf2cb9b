"""The Gradescope autograder zip (`dlgrade gradescope`): its layout, what it holds, and its
run_autograder grading a submission into results.json."""

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile

import pytest

from grader.cli import main
from grader.course import Week
from grader.gradescope import reference_modules
from grader.heldout import course_secret
from grader.notebook import exercise_points

from conftest import ROOT

WEEK = Week.load("week1", ROOT)
SCRIPTS = ("setup.sh", "run_autograder")


@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    """The week 1 autograder zip, written by the command line."""
    out = tmp_path_factory.mktemp("gradescope") / "autograder_week1.zip"
    assert main(["--course", str(ROOT), "gradescope", "week1", "--out", str(out)]) == 0
    return out


def mode_of(info: zipfile.ZipInfo) -> int:
    return info.external_attr >> 16


def unpack(zip_path, root):
    """Unpack the zip as Gradescope does, into ROOT/source, with the permissions it records."""
    source = root / "source"
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(source)
        for info in zf.infolist():
            os.chmod(source / info.filename, stat.S_IMODE(mode_of(info)))
    return source


def run_autograder(root, submission, python=sys.executable):
    """run_autograder with /autograder moved to `root`, grading `submission` with `python`
    (None: the one setup.sh recorded in ROOT/dlgrade-python)."""
    shutil.copytree(submission, root / "submission", ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DLGRADE_COURSE", "DLGRADE_PYTHON")}
    env.update(AUTOGRADER_ROOT=str(root), DLGRADE_SECRET="not the zip's secret")
    if python is not None:
        env["DLGRADE_PYTHON"] = str(python)
    return subprocess.run([str(root / "source" / "run_autograder")], cwd=root, env=env, capture_output=True,
                          text=True, timeout=600)


def test_scripts_at_the_root_and_executable(autograder):
    """Are setup.sh and run_autograder at the zip's root, regular files with their executable bits, and valid Bash?"""
    with zipfile.ZipFile(autograder) as zf:
        infos = {i.filename: i for i in zf.infolist()}
        for name in SCRIPTS:
            mode = mode_of(infos[name])
            assert stat.S_ISREG(mode) and stat.S_IMODE(mode) == 0o755, (name, oct(mode))
            text = zf.read(name).decode()
            assert text.startswith("#!/usr/bin/env bash\n")
            assert subprocess.run(["bash", "-n"], input=text, text=True).returncode == 0
        assert stat.S_IMODE(mode_of(infos["grader/cli.py"])) == 0o644
        setup = zf.read("setup.sh").decode()
    assert "apt-get install -y bubblewrap python3-pip" in setup
    assert "torch==2.13.0\" --index-url https://download.pytorch.org/whl/cpu" in setup
    assert 'pip install -e "$SOURCE"' in setup and "venv\"" not in setup  # the system's Python, which bwrap shows


def test_zip_holds_the_week_checks_secret_and_no_solutions(autograder):
    """Does the zip hold the grader, the week's rubric and public and hidden checks, its stubs and the course secret (owner-only), and of the solutions only what hidden checks read?"""
    with zipfile.ZipFile(autograder) as zf:
        names = set(zf.namelist())
        secret = zf.read("secret").strip()
        secret_mode = stat.S_IMODE(mode_of(zf.getinfo("secret")))
    checks = {f"assignments/{WEEK.name}/{p.name}" for p in WEEK.assignment_dir.glob("*_*.py")}
    assert checks | {f"assignments/{WEEK.name}/rubric.toml", "pyproject.toml", "README.md", "grader/engine.py"} <= names
    assert {f"student_template/{WEEK.name}/{m}.py" for m in WEEK.modules} <= names
    assert {n for n in names if n.startswith("solutions/")} == {f"solutions/{WEEK.name}/regression.py"}
    assert not [n for n in names if n.startswith(("examples/", "tests/")) or n.endswith(".ipynb")]
    assert not [n for n in names if n.startswith("assignments/") and n.endswith("notebook.py")]
    assert not [n for n in names if "__pycache__" in n]
    assert secret == course_secret() and secret_mode == 0o600
    assert stat.S_IMODE(autograder.stat().st_mode) == 0o600


def test_a_weeks_data_module_travels_with_its_checks(tmp_path):
    """Does week 6's autograder hold scenes.py, which its checks import, beside them?"""
    from grader.gradescope import autograder_files

    names = set(autograder_files(Week.load("week6", ROOT)))
    assert {"assignments/week6_captioning/scenes.py", "assignments/week6_captioning/public_captioning.py",
            "assignments/week6_captioning/hidden_captioning.py"} <= names


def test_reference_modules_are_those_hidden_checks_read():
    """Is the reference shipped only where a hidden check reads it (week 1's regression), and nowhere else?"""
    assert reference_modules(WEEK) == ["regression"]
    assert reference_modules(Week.load("week2", ROOT)) == []
    assert reference_modules(Week.load("week3", ROOT)) == []


def test_run_autograder_calls_the_grader_as_gradescope_expects(autograder, tmp_path):
    """Does run_autograder run, with the Python setup.sh recorded, `grader --course SOURCE grade WEEK submission --json results/results.json` from the source folder, with the zip's secret and not one from the environment?"""
    source = unpack(autograder, tmp_path)
    fake = tmp_path / "fake_python"
    record = tmp_path / "call.json"
    fake.write_text("#!/usr/bin/env bash\n" + sys.executable + " -c 'import json, os, sys; json.dump({\"args\": "
                    "sys.argv[2:], \"cwd\": os.getcwd(), \"file\": os.environ.get(\"DLGRADE_SECRET_FILE\"), "
                    "\"secret\": os.environ.get(\"DLGRADE_SECRET\")}, open(sys.argv[1], \"w\"))' "
                    f"{record} \"$@\"\n")
    fake.chmod(0o755)
    (tmp_path / "dlgrade-python").write_text(f"{fake}\n")  # as setup.sh records it
    proc = run_autograder(tmp_path, WEEK.template_dir, python=None)
    assert proc.returncode == 0, proc.stderr
    call = json.loads(record.read_text())
    assert call["args"] == ["-m", "grader", "--course", str(source), "grade", WEEK.name, str(tmp_path / "submission"),
                            "--json", str(tmp_path / "results" / "results.json")]
    assert call["cwd"] == str(source) and call["file"] == str(source / "secret") and call["secret"] is None
    assert (tmp_path / "results").is_dir()


@pytest.mark.parametrize("label, folder, full", [("reference", WEEK.solution_dir, True),
                                                 ("template", WEEK.template_dir, False)])
def test_run_autograder_grades_a_submission_into_results_json(autograder, tmp_path, label, folder, full):
    """Does the unpacked autograder grade the reference to full marks and the stubs to zero, every check in results.json?"""
    unpack(autograder, tmp_path)
    proc = run_autograder(tmp_path, folder)
    assert proc.returncode == 0, proc.stderr
    results = json.loads((tmp_path / "results" / "results.json").read_text())
    total = sum(exercise_points(WEEK).values())
    assert sum(t["max_score"] for t in results["tests"]) == total
    assert results["score"] == (total if full else 0)
    assert {t["visibility"] for t in results["tests"]} == {"visible", "after_published"}
