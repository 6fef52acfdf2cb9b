"""Week 2's own tests; what every week must satisfy (reference, template, known-bad
examples, ids) is in test_weeks.py."""

import shutil

import pytest

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


def with_mlp(tmp_path, source):
    """The reference with mlp.py replaced by `source`."""
    folder = tmp_path / WEEK
    shutil.copytree(week.solution_dir, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "mlp.py").write_text(source)
    return folder


MLP_OF = '''
import numpy as np
from .layers import Dense, LeakyReLU, Sequential, Sigmoid, Tanh


class Softplus:
    """log(1 + e^x), an activation that layers.py does not have."""

    def __init__(self):
        self.params, self.grads = {{}}, {{}}

    def forward(self, x):
        self.x = x
        return np.logaddexp(0.0, x)

    def backward(self, dout):
        return dout * {derivative}


def build_mlp(in_features, hidden, out_features, rng):
    sizes = [in_features, *hidden]
    layers = []
    {shared}
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [Dense(fan_in, fan_out, rng), {activation}]
    layers.append(Dense(sizes[-1], out_features, rng))
    return Sequential(*layers)
'''
SOFTPLUS_DERIVATIVE = "0.5 * (1.0 + np.tanh(self.x / 2))"  # σ(x), without overflow


@pytest.mark.parametrize("activation", ["Sigmoid()", "Tanh()", "LeakyReLU(negative_slope=0.2)", "Softplus()"])
def test_build_mlp_with_any_activation_scores_full_marks(tmp_path, activation):
    """Does build_mlp with any activation get full marks: sigmoid or tanh layers (odd about the origin while the
    biases are 0, yet not affine), and activations no class of layers.py reproduces (another slope, one of the
    student's own), judged by numerical differentiation of the network's own forward?"""
    folder = with_mlp(tmp_path, MLP_OF.format(derivative=SOFTPLUS_DERIVATIVE, shared="", activation=activation))
    report = grade_submission(week, folder, device="cpu", only={"week2.train_mlp"})
    assert [r.output for r in report.results if r.status != PASSED] == []


@pytest.mark.parametrize("shared,derivative,hint", [
    ("act = Softplus()", SOFTPLUS_DERIVATIVE, "its own activation object"),
    ("", "0.5 * (1.0 + np.tanh(self.x))", "must be the derivative of its forward"),
], ids=["one_object_in_every_block", "backward_not_the_derivative"])
def test_own_activation_with_a_wrong_backward_loses_the_backward_check(tmp_path, shared, derivative, hint):
    """Is a network of the student's own activation whose backward does not match its forward (one object
    reused in every block, or a wrong derivative) caught by numerical differentiation, with a hint?"""
    activation = "act" if shared else "Softplus()"
    folder = with_mlp(tmp_path, MLP_OF.format(derivative=derivative, shared=shared, activation=activation))
    report = grade_submission(week, folder, device="cpu", only={"week2.train_mlp"})
    failed = [r for r in report.results if r.status != PASSED]
    assert [r.title for r in failed] == [r.title for r in report.results if "backward and gradients()" in r.title]
    assert hint in failed[0].output


def test_cross_entropy_that_warns_but_is_right_scores_full_marks(tmp_path):
    """Does a SoftmaxCrossEntropy whose values are right for logits of ±1e4, but which lets NumPy warn
    about an overflow on the way (a np.where over both a stable and an overflowing formula), get full
    marks? Week 2's table asks "stays finite", it forbids no warning."""
    folder = tmp_path / WEEK
    shutil.copytree(week.solution_dir, folder, ignore=shutil.ignore_patterns("__pycache__"))
    source = (folder / "losses.py").read_text()
    anchor = "        Z = np.asarray(logits, dtype=float)\n"
    assert anchor in source
    source = source.replace(anchor, anchor + "        np.where(Z > 0, np.exp(-Z), np.exp(Z))  # overflows at ±1e4, unused\n", 1)
    (folder / "losses.py").write_text(source)
    report = grade_submission(week, folder, device="cpu", only={"week2.loss"})
    assert [r.output for r in report.results if r.status != PASSED] == []
