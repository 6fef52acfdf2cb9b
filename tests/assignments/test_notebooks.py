"""Each week's notebook is built from its source, and runs top to bottom, headless, on
the reference (plots and full autograder points) and on the blank template (no error,
zero points)."""

import os
import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from grader.course import Week
from grader.notebook import build_notebook, exercise_of_grade_id, exercise_points, notebook_path

from conftest import ROOT

# week -> the least number of plots its reference run draws
MIN_PLOTS = {"week1": 4, "week2": 4, "week3": 6, "week4": 13, "week5": 8, "week6": 8}
# Week 3's autograder cells train the CNN four times at the rubric's full recipe; week 4's
# train the autoencoder, the denoiser, the retrieval encoder and the VAE at theirs, and the
# notebook itself trains six models (~40 s on one CPU thread); week 5's train the language
# model at the rubric's recipe, and the notebook trains it too and draws samples (~25 s); week 6's
# train the captioner at the rubric's recipe four times (the hidden captioner check, the public
# and the hidden quality checks, the self-check), and the notebook trains one too (~25 s): slow.
SLOW_REFERENCE = {"week3", "week4", "week5", "week6"}

WEEKS = list(MIN_PLOTS)
REFERENCE_RUNS = [pytest.param(w, marks=pytest.mark.slow) if w in SLOW_REFERENCE else w for w in WEEKS]


def execute(week: Week, folder, tmp_path):
    """Run the committed notebook inside a copy of `folder` named like the week."""
    work = tmp_path / week.name
    shutil.copytree(folder, work, ignore=shutil.ignore_patterns("__pycache__"))
    nb = nbformat.read(notebook_path(week), as_version=4)
    # The kernel imports this checkout's grader, whichever (if any) the environment has installed.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute(env=env)
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


@pytest.mark.parametrize("short", WEEKS)
def test_committed_notebook_is_built_from_its_source(short):
    """Is the committed .ipynb exactly what notebook.py builds?"""
    week = Week.load(short, ROOT)
    assert notebook_path(week).read_text() == nbformat.writes(build_notebook(week)) + "\n"


@pytest.mark.parametrize("short", REFERENCE_RUNS)
def test_reference_notebook_runs_with_plots_and_full_points(short, tmp_path):
    """Does the notebook run without error on the reference, draw its plots, and award every exercise full points?"""
    week = Week.load(short, ROOT)
    nb = execute(week, week.solution_dir, tmp_path)
    assert outputs(nb, "error") == []
    assert [o for o in outputs(nb, "stream") if o.name == "stderr"] == []
    images = [o for o in outputs(nb, "display_data") if "image/png" in o.get("data", {})]
    assert len(images) >= MIN_PLOTS[short]
    assert awarded(nb) == exercise_points(week)


@pytest.mark.parametrize("short", WEEKS)
def test_blank_template_notebook_runs_and_awards_nothing(short, tmp_path):
    """Does the notebook still run top to bottom on the untouched stubs, awarding 0 everywhere?"""
    week = Week.load(short, ROOT)
    nb = execute(week, week.template_dir, tmp_path)
    assert outputs(nb, "error") == []
    assert set(awarded(nb).values()) == {0.0}
    assert "not implemented yet" in "".join(o.get("text", "") for o in outputs(nb, "stream"))
