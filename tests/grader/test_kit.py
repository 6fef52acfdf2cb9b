"""The student kit (`dlgrade kit`): a folder students work in, holding nothing of the
instructor's, whose own grader runs the public checks and the week's notebook from any folder."""

import os
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from grader.cli import main
from grader.course import SOLUTION_BEGIN, SOLUTION_END, Week
from grader.kit import KitError, build_kit, leaks, stub_solution_regions, student_notebook
from grader.notebook import HIDDEN_BEGIN, HIDDEN_END, exercise_of_grade_id, notebook_path

from conftest import ROOT

WEEK = Week.load("week1", ROOT)


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    """The week 1 kit, written by the command line."""
    out = tmp_path_factory.mktemp("kit") / "KIT"
    assert main(["--course", str(ROOT), "kit", str(out), "week1"]) == 0
    return out


def kit_files(kit):
    return sorted(p for p in kit.rglob("*") if p.is_file())


def run_kit_grader(kit, *args):
    """`python -m grader --course KIT ...` run from the kit, so that the kit's own grader runs."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DLGRADE_COURSE")}
    env["COLUMNS"] = "200"
    return subprocess.run([sys.executable, "-m", "grader", "--course", str(kit), *args], cwd=kit, env=env,
                          capture_output=True, text=True, timeout=600)


def solution_lines(week: Week) -> set[str]:
    """Lines of the reference's exercise bodies that the stubs do not have (16 characters or
    more: shorter ones, like ``return out``, are everyone's)."""
    lines = set()
    for path in week.solution_dir.glob("*.py"):
        inside = False
        for line in path.read_text().splitlines():
            if SOLUTION_BEGIN.match(line):
                inside = True
            elif SOLUTION_END.match(line):
                inside = False
            elif inside and len(line.strip()) >= 16 and not line.strip().startswith("#"):
                lines.add(line.strip())
    stubs = "\n".join(p.read_text() for p in week.template_dir.glob("*.py"))
    return {line for line in lines if line not in stubs}


def test_kit_holds_stubs_notebook_public_checks_and_grader(kit):
    """Does the kit hold the week's stubs and notebook, its rubric and public checks, the grader and a README?"""
    names = {p.relative_to(kit).as_posix() for p in kit_files(kit)}
    template = {f"student_template/{WEEK.name}/{p.name}" for p in WEEK.template_dir.iterdir() if p.is_file()}
    assert template | {f"student_template/{WEEK.name}/{WEEK.name}.ipynb"} <= names
    public = {f"assignments/{WEEK.name}/{p.name}" for p in WEEK.assignment_dir.glob("public_*.py")}
    assert {n for n in names if n.startswith("assignments/")} == public | {f"assignments/{WEEK.name}/rubric.toml"}
    assert {"README.md", "pyproject.toml", "grader/cli.py", "grader/kit.py"} <= names
    assert not any(n.startswith("student_template/week2") for n in names)  # only the weeks asked for
    readme = (kit / "README.md").read_text()
    assert "pip install -e ." in readme and "dlgrade check week1" in readme and f"{WEEK.name}.ipynb" in readme


def test_kit_holds_no_solution_hidden_check_or_marker(kit):
    """Does the kit hold no hidden check, no solutions or examples, no solution or hidden-test marker, no line of the reference's exercise bodies?"""
    assert leaks(kit) == []
    assert not list(kit.rglob("hidden_*")) and not list(kit.rglob("solutions")) and not list(kit.rglob("examples"))
    bodies = solution_lines(WEEK)
    assert len(bodies) > 50  # the reference's own lines, which the kit must not hold
    for path in kit_files(kit):
        if path.relative_to(kit).parts[0] == "grader":
            continue  # the engine, the repository's own files (leaks() checks that they are unchanged)
        text = path.read_text(errors="replace")
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, path
        assert [line for line in bodies if line in text] == [], path


def test_kit_notebook_is_the_week_notebook_without_hidden_tests(kit):
    """Is the kit's notebook the week's notebook with its hidden tests removed, its autograder cells locked and public?"""
    original = nbformat.read(notebook_path(WEEK), as_version=4)
    copy = nbformat.read(kit / "student_template" / WEEK.name / f"{WEEK.name}.ipynb", as_version=4)
    assert len(copy.cells) == len(original.cells)
    graded = 0
    for old, new in zip(original.cells, copy.cells):
        assert new.metadata == old.metadata
        if HIDDEN_BEGIN in old.source:
            graded += 1
            exercise = exercise_of_grade_id(old.metadata.nbgrader.grade_id)
            assert "hidden=True" not in new.source and HIDDEN_END not in new.source
            assert f'grade_exercise("{exercise}")' in new.source
            assert new.source.splitlines() == [ln for ln in old.source.splitlines()
                                               if ln not in (HIDDEN_BEGIN, HIDDEN_END) and "hidden=True" not in ln]
        else:
            assert new.source == old.source
    assert graded == len(WEEK.exercise_modules)


def test_check_on_the_kit_template_scores_nothing_implemented(kit):
    """Does `dlgrade --course KIT check week1` on the kit's own stubs exit 0, every exercise not implemented, total 0?"""
    proc = run_kit_grader(kit, "check", "week1", str(kit / "student_template" / WEEK.name))
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"Total: 0 / \d+", proc.stdout), proc.stdout
    assert proc.stdout.count("not implemented yet") >= len(WEEK.exercise_modules)


def test_check_on_the_reference_with_the_kit_gives_full_public_marks(kit):
    """Does the kit's grader give the reference every public point?"""
    proc = run_kit_grader(kit, "check", "week1", str(WEEK.solution_dir))
    assert proc.returncode == 0, proc.stderr
    total = re.search(r"Total: (\S+) / (\S+)", proc.stdout)
    assert total and total.group(1) == total.group(2) and float(total.group(2)) > 0, proc.stdout


def test_kit_notebook_runs_from_a_folder_of_any_name(kit, tmp_path, monkeypatch):
    """Does the kit's notebook run, grade and self-check the stubs from a copy whose folder is not named like the week, with the kit's grader?"""
    from nbclient import NotebookClient

    work = tmp_path / "my week 1"
    shutil.copytree(kit / "student_template" / WEEK.name, work)
    monkeypatch.setenv("PYTHONPATH", str(kit))  # the kernel's grader is the kit's, as after pip install -e KIT
    monkeypatch.delenv("DLGRADE_COURSE", raising=False)
    nb = nbformat.read(work / f"{WEEK.name}.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert [o for o in outputs if o.output_type == "error"] == []
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "not implemented yet" in text and "could not be graded" not in text
    points = [o["data"]["text/plain"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
              for o in c.outputs if o.output_type == "execute_result"]
    assert points == ["0.0"] * len(WEEK.exercise_modules)


def test_stub_solution_regions_as_nbgrader_release():
    """Are solution regions of notebook cells replaced by nbgrader's stubs, and an unclosed one refused?"""
    code = "def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n\ny = 1"
    assert stub_solution_regions(code) == "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\ny = 1"
    assert stub_solution_regions("Why?\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION", markdown=True) == \
        "Why?\nYOUR ANSWER HERE"
    assert stub_solution_regions("x = 1\n") == "x = 1\n"
    with pytest.raises(KitError):
        stub_solution_regions("### BEGIN SOLUTION\nx = 1")


def test_student_notebook_strips_hidden_tests_solutions_and_outputs():
    """Does the student copy of a notebook lose its hidden tests, solutions and outputs, leaving the original untouched?"""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(f"a = 1\n{HIDDEN_BEGIN}\nsecret_check()\n{HIDDEN_END}\na",
                                     execution_count=3, outputs=[nbformat.v4.new_output("stream", text="hi")])
    nb.cells = [cell, nbformat.v4.new_code_cell("def g():\n    ### BEGIN SOLUTION\n    return 42\n    ### END SOLUTION")]
    out = student_notebook(nb)
    assert out.cells[0].source == "a = 1\na" and out.cells[0].outputs == [] and out.cells[0].execution_count is None
    assert "42" not in out.cells[1].source and "raise NotImplementedError()" in out.cells[1].source
    assert "secret_check" in nb.cells[0].source and nb.cells[0].outputs  # a copy


def test_leaks_finds_what_students_must_not_get(kit, tmp_path):
    """Does the leak check name a hidden check file, a solutions folder, a marker and a changed grader file?"""
    bad = tmp_path / "KIT"
    shutil.copytree(kit, bad)
    (bad / "assignments" / WEEK.name / "hidden_regression.py").write_text("x = 1\n")
    (bad / "solutions").mkdir()
    (bad / "student_template" / WEEK.name / "notes.py").write_text("    ### BEGIN SOLUTION week1.sgd\n")
    with open(bad / "grader" / "engine.py", "a") as f:
        f.write("\n# changed\n")
    found = "\n".join(leaks(bad))
    assert "hidden_regression.py" in found and "solutions/" in found and "notes.py" in found
    assert "grader/engine.py" in found


def course_copy(tmp_path):
    """A copy of week 1 of the course (assignments, solutions, template)."""
    for part in ("assignments", "solutions", "student_template"):
        shutil.copytree(ROOT / part / WEEK.name, tmp_path / "course" / part / WEEK.name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "course"


def test_kit_with_a_leak_is_refused_and_not_written(tmp_path):
    """Is a kit whose notebook would keep a hidden test (a region never closed) refused, with nothing left behind?"""
    from grader.notebook import write_notebooks

    course = course_copy(tmp_path)
    source = course / "assignments" / WEEK.name / "notebook.py"
    source.write_text(source.read_text() + f"\n# %%\n{HIDDEN_BEGIN}\nsecret()\n")
    write_notebooks(course)
    with pytest.raises(KitError, match="BEGIN HIDDEN TESTS"):
        build_kit(tmp_path / "KIT", ["week1"], course)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course"]


def test_public_check_importing_a_hidden_one_is_refused(tmp_path):
    """Is a public check file that imports a hidden one refused (it would not run in the kit)?"""
    course = course_copy(tmp_path)
    public = course / "assignments" / WEEK.name / "public_training.py"
    public.write_text("from .hidden_training import order_tests\n" + public.read_text())
    with pytest.raises(KitError, match="imports a hidden check"):
        build_kit(tmp_path / "KIT", ["week1"], course)


def test_kit_command_refuses_a_full_folder_and_an_unreleased_week(kit, tmp_path, capsys):
    """Does `dlgrade kit` refuse an existing non-empty folder and a week that is not released, exiting 2?"""
    full = tmp_path / "full"
    full.mkdir()
    (full / "mine.txt").write_text("keep me")
    assert main(["--course", str(ROOT), "kit", str(full), "week1"]) == 2
    assert (full / "mine.txt").read_text() == "keep me"
    assert main(["--course", str(ROOT), "kit", str(tmp_path / "new"), "week7"]) == 2
    err = capsys.readouterr().err
    assert "not an empty folder" in err and "unknown week 'week7'" in err and "week1, week2" in err
    assert not (tmp_path / "new").exists()


def test_kit_from_stale_templates_is_refused(tmp_path):
    """Is a kit refused while the committed stubs differ from what the solutions generate (they would not be the week's)?"""
    course = course_copy(tmp_path)
    stub = course / "student_template" / WEEK.name / "optimizers.py"
    stub.write_text(stub.read_text() + "\n# edited by hand\n")
    with pytest.raises(KitError, match="dlgrade template"):
        build_kit(tmp_path / "KIT", ["week1"], course)
    assert not (tmp_path / "KIT").exists()
