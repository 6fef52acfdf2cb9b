"""Week 2's notebook runs top to bottom, headless, on the reference (plots and full
autograder points) and on the blank template (no error, zero points)."""

import shutil

import nbformat
from nbclient import NotebookClient

from grader.course import Week
from grader.notebook import build_notebook, exercise_of_grade_id, exercise_points, notebook_path

from conftest import ROOT

WEEK = Week.load("week2", ROOT)


def execute(folder, tmp_path):
    """Run the committed notebook inside a copy of `folder` named like the week."""
    work = tmp_path / WEEK.name
    shutil.copytree(folder, work, ignore=shutil.ignore_patterns("__pycache__"))
    nb = nbformat.read(notebook_path(WEEK), as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
    return nb


def outputs(nb, kind):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == kind]


def awarded(nb) -> dict[str, float]:
    """Points each autograder cell output, by exercise."""
    out = {}
    for c in nb.cells:
        meta = c.metadata.get("nbgrader", {})
        if meta.get("grade"):
            results = [o for o in c.outputs if o.output_type == "execute_result"]
            out[exercise_of_grade_id(meta["grade_id"])] = float(results[-1]["data"]["text/plain"])
    return out


def test_committed_notebook_is_built_from_its_source():
    """Is the committed .ipynb exactly what notebook.py builds?"""
    assert notebook_path(WEEK).read_text() == nbformat.writes(build_notebook(WEEK)) + "\n"


def test_reference_notebook_runs_with_plots_and_full_points(tmp_path):
    """Does the notebook run without error on the reference, draw its plots, and award every exercise full points?"""
    nb = execute(WEEK.solution_dir, tmp_path)
    assert outputs(nb, "error") == []
    assert [o for o in outputs(nb, "stream") if o.name == "stderr"] == []
    assert "Your code raised an error" not in "".join(o.get("text", "") for o in outputs(nb, "stream"))
    images = [o for o in outputs(nb, "display_data") if "image/png" in o.get("data", {})]
    assert len(images) >= 4
    assert awarded(nb) == exercise_points(WEEK)


def test_blank_template_notebook_runs_and_awards_nothing(tmp_path):
    """Does the notebook still run top to bottom on the untouched stubs, awarding 0 everywhere?"""
    nb = execute(WEEK.template_dir, tmp_path)
    assert outputs(nb, "error") == []
    assert set(awarded(nb).values()) == {0.0}
    assert "not implemented yet" in "".join(o.get("text", "") for o in outputs(nb, "stream"))
