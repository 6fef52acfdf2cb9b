"""Week 3's own tests: the training checks and the full recipe, and how the residual
block's layers are found (by their classes, whatever their names, nesting and registration
order, without letting a wrong block pass). What every week must satisfy (reference,
template, known-bad examples, ids) is in test_weeks.py, graded with the smaller training
recipe of conftest.TEST_RUBRIC (fewer epochs and images, the same threshold). The full
recipe runs in the tests marked slow here, and `benchmarks/calibrate_week3.py` prints its
calibration figures.

The notebook runs with the other weeks' in test_notebooks.py.
"""

import shutil
import textwrap

import pytest

from grader.cli import apply_known_bad
from grader.course import Week
from grader.engine import grade_submission
from grader.scoring import PASSED

from conftest import ROOT, TEST_RUBRIC, for_tests

WEEK = "week3_cnn"
week = Week.load(WEEK, ROOT)
TEST_RECIPE = TEST_RUBRIC[WEEK]["cnn"]


@pytest.fixture(scope="module")
def grade3(tmp_path_factory):
    """grade3(folder=None, patch=None, only=None, recipe=TEST_RECIPE) -> GradeReport, memoised.
    With `patch`, the folder is a copy of the reference with that known-bad patch applied;
    `recipe` is merged into the rubric's [cnn] table (None: the rubric as it is)."""
    cache = {}

    def _grade(folder=None, patch=None, only=None, recipe=TEST_RECIPE):
        key = (str(folder), str(patch), tuple(sorted(only or ())), tuple(sorted((recipe or {}).items())))
        if key not in cache:
            w = for_tests(Week.load(WEEK, ROOT), {"cnn": recipe} if recipe else {})
            if patch is not None:
                folder = apply_known_bad(w, patch, tmp_path_factory.mktemp("bad") / w.name)
            cache[key] = grade_submission(w, folder, device="cpu", only=set(only) if only else None)
        return cache[key]

    return _grade


def test_cnn_checks_read_the_recipe_from_the_rubric(grade3):
    """Do the training checks take their recipe and threshold from the rubric they are given (so that
    the test recipe really is the one used)? With one epoch on 200 images and a threshold of 0.999
    the reference misses it, and the feedback names that recipe and that threshold; with the test
    recipe the reference passes (test_weeks)."""
    report = grade3(week.solution_dir, only={"week3.cnn"}, recipe={**TEST_RECIPE, "epochs": 1, "n_train": 200, "n_val": 100,
                                                "n_test": 100, "accuracy_threshold": 0.999})
    failed = [r for r in report.results if r.status != PASSED]
    assert len(failed) == 2
    for r in failed:
        assert "(1 epochs of Adam" in r.output and "200 images" in r.output and "threshold 0.999" in r.output


@pytest.mark.parametrize("folder", ["alternative_correct", "sequential_body"])
def test_other_correct_submissions_score_full_marks_where_nothing_trains(grade3, folder):
    """Do the other correct submissions get full marks on every exercise but the trained CNN? (Graded whole,
    the CNN too, in the slow tests: test_weeks.py and the full recipe below.)"""
    trained = {"week3.cnn"}
    report = grade3(ROOT / "examples" / WEEK / folder, only=set(week.exercise_modules) - trained)
    assert [(r.title, r.output) for r in report.results if r.status != PASSED] == []
    assert report.score == report.max_score > 0


@pytest.mark.slow
@pytest.mark.parametrize("folder", [week.solution_dir, ROOT / "examples" / WEEK / "alternative_correct"],
                         ids=["reference", "alternative_correct"])
def test_full_recipe_cnn_clears_the_threshold(grade3, folder):
    """With the rubric's own recipe, does a correct CNN reach the accuracy threshold on validation and test?"""
    report = grade3(folder, only={"week3.cnn"}, recipe=None)
    assert [(r.title, r.output) for r in report.results if r.status != PASSED] == []


@pytest.mark.slow
def test_full_recipe_mlp_misses_the_threshold(grade3):
    """With the rubric's own recipe, does the same-budget MLP stay below the threshold, with the hint?"""
    patch = ROOT / "examples" / WEEK / "known_bad" / "cnn_is_an_mlp.py"
    report = grade3(patch=patch, only={"week3.cnn"}, recipe=None)
    failed = [r for r in report.results if r.status != PASSED]
    assert len(failed) == 2 and all("A network of Linear layers" in r.output for r in failed)


# --- week3.residual: the block's layers are found by what they are, not by their names ---------

BLOCK_HEAD = """
import torch
from torch import nn


def build_cnn(in_channels, num_classes):
    raise NotImplementedError("week3.cnn")

"""

# Registered in another order than the forward pass uses them, in a ModuleDict, one convolution a
# subclass of nn.Conv2d with padding="same", the other without bias.
SCRAMBLED_BUT_CORRECT = """
class _Conv(nn.Conv2d):
    pass


class ResidualBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.norms = nn.ModuleDict({"late": nn.BatchNorm2d(channels), "early": nn.BatchNorm2d(channels)})
        self.second = _Conv(channels, channels, 3, padding="same")
        self.first = nn.Conv2d(channels, channels, 3, padding=1, bias=False)

    def forward(self, x):
        h = torch.relu(self.norms["early"](self.first(x)))
        return torch.relu(x + self.norms["late"](self.second(h)))
"""

FOUR_LAYERS = """
class ResidualBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(channels)
"""

WRONG_BLOCKS = {
    # conv2 registered but never used: no order of the block's layers gives its output
    "conv1_used_twice": (FOUR_LAYERS + """
    def forward(self, x):
        return torch.relu(x + self.bn2(self.conv1(torch.relu(self.bn1(self.conv1(x))))))
""", 2, "Expected relu(x + bn2(conv2(relu(bn1(conv1(x))))))"),
    # right in training mode, the convolutions swapped in evaluation mode: the order found in
    # training mode is kept, so only the hidden check (training, then evaluation) fails
    "order_changes_with_the_mode": (FOUR_LAYERS + """
    def forward(self, x):
        first, second = (self.conv1, self.conv2) if self.training else (self.conv2, self.conv1)
        return torch.relu(x + self.bn2(second(torch.relu(self.bn1(first(x))))))
""", 1, "in evaluation mode"),
    "one_convolution_shared": ("""
class ResidualBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(channels)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        return torch.relu(x + self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x))))))
""", 2, "1 nn.Conv2d (conv1)"),
    "layers_in_a_plain_list": ("""
class ResidualBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))
        self.layers = [nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels),
                       nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels)]

    def forward(self, x):
        c1, b1, c2, b2 = self.layers
        return torch.relu(x + b2(c2(torch.relu(b1(c1(x))))))
""", 2, "0 nn.Conv2d (none)"),
}


def grade_block(tmp_path, source):
    """Grade week3.residual of the reference with `source` (a ResidualBlock) as its models.py."""
    folder = tmp_path / WEEK
    shutil.copytree(week.solution_dir, folder)
    (folder / "models.py").write_text(BLOCK_HEAD + textwrap.dedent(source))
    return grade_submission(for_tests(Week.load(WEEK, ROOT)), folder, device="cpu", only={"week3.residual"})


def test_residual_layers_found_whatever_their_names_nesting_and_order(tmp_path):
    """Does a correct block get full marks with its layers in a ModuleDict under other names, registered in
    another order than the forward pass uses them, one a subclass of nn.Conv2d with padding="same"?"""
    report = grade_block(tmp_path, SCRAMBLED_BUT_CORRECT)
    assert [(r.title, r.output) for r in report.results if r.status != PASSED] == []
    assert report.score == report.max_score > 0


# Batch norms with options of their own: the table fixes neither eps nor momentum.
OWN_BATCHNORM_OPTIONS = """
class ResidualBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(channels, eps=1e-3, momentum=0.3)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(channels, momentum=None)

    def forward(self, x):
        return torch.relu(x + self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x))))))
"""


def test_residual_batch_norms_with_their_own_eps_and_momentum_score_full_marks(tmp_path):
    """Does a block whose batch norms use another eps, another momentum, or momentum=None (a cumulative
    average) get full marks, its running statistics recomputed with its own options?"""
    report = grade_block(tmp_path, OWN_BATCHNORM_OPTIONS)
    assert [(r.title, r.output) for r in report.results if r.status != PASSED] == []
    assert report.score == report.max_score > 0


@pytest.mark.parametrize("name", WRONG_BLOCKS)
def test_residual_layers_found_cannot_pass_a_wrong_block(tmp_path, name):
    """Does a block whose layers are found, but not used as relu(x + bn2(conv2(relu(bn1(conv1(x)))))) in one
    fixed order, or whose layers cannot all be found, fail with a message that says so?"""
    source, failing, message = WRONG_BLOCKS[name]
    report = grade_block(tmp_path, source)
    failed = [r for r in report.results if r.status != PASSED]
    assert len(failed) == failing and all(message in r.output for r in failed), [r.output for r in failed]
