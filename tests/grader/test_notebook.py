"""Building a week's notebook from its source, and grading from inside a notebook."""

import shutil

import pytest

from grader.course import Week
from grader.notebook import (HIDDEN_BEGIN, NotebookError, build_notebook, exercise_of_grade_id, exercise_points,
                             grade_exercise, grade_id_of, parse_source)

from conftest import ROOT

WEEK = Week.load("week1", ROOT)


@pytest.fixture
def course(tmp_path):
    """A copy of the course whose week 1 notebook source the test writes."""
    for part in ("assignments", "solutions", "student_template"):
        shutil.copytree(ROOT / part / WEEK.name, tmp_path / part / WEEK.name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.ipynb", "notebook.py"))
    return tmp_path


def source_with(exercises, extra=""):
    cells = ["# %% [markdown]\n# # Week 1\n#\n# $a^2$", "# %%\nx = 1"]
    cells += [f"# %% [autograde] {e}" for e in exercises]
    return "\n\n".join(cells) + extra + "\n"


def test_grade_ids_round_trip():
    """Does every exercise id map to an nbgrader grade_id and back?"""
    for e in WEEK.exercise_modules:
        assert exercise_of_grade_id(grade_id_of(e)) == e
        assert "." not in grade_id_of(e)


def test_parse_source_cells():
    """Are markdown prefixes stripped and the markers recognised?"""
    cells = parse_source(source_with(["week1.adam"], "\n\n# %% [selfcheck]"))
    assert [k for k, _, _ in cells] == ["markdown", "code", "autograde", "selfcheck"]
    assert cells[0][2] == "# Week 1\n\n$a^2$"
    assert cells[2][1] == "week1.adam"


@pytest.mark.parametrize("bad", ["text before\n# %%\nx=1", "# %% [weird]\n", "# %% [markdown]\nno prefix\n",
                                 "# %% [autograde] week1.adam\nbody under a marker\n"])
def test_parse_source_rejects_malformed(bad):
    """Is malformed notebook source refused with a message?"""
    with pytest.raises(NotebookError):
        parse_source(bad)


def test_build_makes_one_locked_grade_cell_per_exercise(course):
    """Does the built notebook have one locked autograder cell per exercise, worth the exercise's points, with a hidden part?"""
    week = Week.load("week1", course)
    (week.assignment_dir / "notebook.py").write_text(source_with(list(WEEK.exercise_modules)))
    nb = build_notebook(week)
    grade = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    points = exercise_points(week)
    assert [exercise_of_grade_id(c.metadata.nbgrader.grade_id) for c in grade] == list(WEEK.exercise_modules)
    for c in grade:
        meta = c.metadata.nbgrader
        assert meta.locked and not meta.solution and meta.points == points[exercise_of_grade_id(meta.grade_id)]
        assert HIDDEN_BEGIN in c.source and c.source.rstrip().endswith("points")
    assert build_notebook(week) == nb  # deterministic: stable cell ids


def test_build_requires_every_exercise_once(course):
    """Is a notebook missing an exercise's autograder cell, or naming one twice, refused?"""
    week = Week.load("week1", course)
    ids = list(WEEK.exercise_modules)
    (week.assignment_dir / "notebook.py").write_text(source_with(ids[1:]))
    with pytest.raises(NotebookError, match=ids[0]):
        build_notebook(week)
    (week.assignment_dir / "notebook.py").write_text(source_with(ids + ids[:1]))
    with pytest.raises(NotebookError, match="twice"):
        build_notebook(week)


def test_grade_exercise_scores_reference_and_stub(capsys):
    """Does a notebook's autograder call give full points to the reference and 0 to a stub, printing only to stdout?"""
    assert grade_exercise("week1.sgd", folder=WEEK.solution_dir) == 1.0
    assert grade_exercise("week1.sgd", hidden=True, folder=WEEK.solution_dir) == exercise_points(WEEK)["week1.sgd"]
    assert grade_exercise("week1.sgd", folder=WEEK.template_dir) == 0.0
    out = capsys.readouterr()
    assert "not implemented yet" in out.out and out.err == ""


def test_grade_exercise_that_cannot_run_scores_zero(capsys, tmp_path):
    """Does an unknown exercise give 0 and a message rather than an exception in the notebook?"""
    assert grade_exercise("week1.nope", folder=tmp_path) == 0.0
    assert "could not be graded" in capsys.readouterr().out


def test_import_week_reads_a_folder_of_any_name_afresh(tmp_path):
    """Does import_week import a week's module files from a folder not named like the week, relative imports included, and re-read them on each call?"""
    import sys

    from grader.notebook import import_week

    work = tmp_path / "my week 2"
    shutil.copytree(ROOT / "solutions" / "week2_neural_networks", work, ignore=shutil.ignore_patterns("__pycache__"))
    try:
        package = import_week("week2", work)
        from week2_neural_networks import layers, mlp  # noqa: F401 (what a notebook's setup cell does)

        assert package.__name__ == "week2_neural_networks" and mlp.Dense is layers.Dense
        assert sys.modules["week2_neural_networks.mlp"].__file__ == str(work / "mlp.py")
        (work / "losses.py").write_text((work / "losses.py").read_text() + "\nEDITED = 'yes'\n")
        import_week("week2_neural_networks", work)
        from week2_neural_networks import layers as again, losses

        assert losses.EDITED == "yes" and again is not layers
    finally:
        for name in [n for n in sys.modules if n.split(".")[0] == "week2_neural_networks"]:
            del sys.modules[name]
