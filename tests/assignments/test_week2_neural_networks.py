"""Week 2's own tests; what every week must satisfy (reference, template, known-bad
examples, ids) is in test_weeks.py."""

import shutil

from grader.cli import known_bad_meta
from grader.course import Week
from grader.engine import grade_submission
from grader.scoring import PASSED

from conftest import ROOT, known_bad_patches

WEEK = "week2_neural_networks"
week = Week.load(WEEK, ROOT)


def test_downstream_costs_are_only_the_trained_network():
    """Is week2.train_mlp (which trains the student's own layers) the only exercise a bug elsewhere may also cost?"""
    declared = set().union(*(set(known_bad_meta(p)["ALSO_COSTS"]) for p in known_bad_patches(WEEK)))
    assert declared <= {"week2.train_mlp"}


def test_nand_weights_constant_works_as_well_as_the_function(tmp_path):
    """Does a perceptron.py that sets NAND_WEIGHTS as a plain constant (no nand_weights()) score like the reference?"""
    folder = tmp_path / WEEK
    shutil.copytree(week.solution_dir, folder, ignore=shutil.ignore_patterns("__pycache__"))
    source = (folder / "perceptron.py").read_text()
    source = source.replace("def __getattr__(name):", "def _unused(name):")
    source += "\n\nNAND_WEIGHTS = (np.array([-1.0, -1.0]), 1.5)\n"
    (folder / "perceptron.py").write_text(source)
    report = grade_submission(week, folder, device="cpu", only={"week2.perceptron"})
    assert [r.output for r in report.results if r.status != PASSED] == []
