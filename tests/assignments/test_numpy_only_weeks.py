"""NumPy-only modules, week by week: the rubrics keep to NumPy exactly the modules whose reference and
example solutions need nothing else, and every hostile submission in tests/hostile/<week>/ that hands
a NumPy exercise to a library (its HINT states the rule) scores what the blank stubs score, with the
other modules untouched, under bubblewrap (the library is absent) and without it (the judge finds the
library in the worker's memory map).

The full battery of checks on those attacks (processes left behind, files changed, report size) runs
in the week's hostile test where there is one (test_week1_hostile.py); here they are graded on the
attacked module's exercises and the first exercise of every other module, in both modes.
"""

import sys
from pathlib import Path

import pytest

from grader import isolation
from grader.cli import known_bad_meta
from grader.course import Week
from grader.engine import grade_submission
from grader.sandbox import Limits
from grader.scoring import ERROR, NOT_IMPLEMENTED, PASSED

from conftest import ROOT, apply_attack, attack_base, for_tests, imported_top_levels

WEEKS = ("week1_linear_models", "week2_neural_networks", "week3_cnn", "week4_autoencoders", "week5_rnn",
         "week6_captioning")
RULE = "may use NumPy and the Python standard library only"
ATTACKS = [p for w in WEEKS for p in sorted((ROOT / "tests" / "hostile" / w).glob("*.py"))
           if RULE in str(known_bad_meta(p)["HINT"])]
# Modules whose every exercise trains a network: their first exercise would train one for each attack and
# mode; the week's other PyTorch module stands for that sandbox (week 4: vae.py's week4.vae). Week 5's one
# PyTorch module begins with its trained exercise: its attacks are graded on the NumPy modules alone.
TRAINED_ONLY = {"week4_autoencoders": ("autoencoder", "retrieval"), "week5_rnn": ("char_lm",),
                "week6_captioning": ("captioning",)}
BWRAP_OK, BWRAP_WHY = isolation.probe()
MODES = [pytest.param("bubblewrap", marks=pytest.mark.skipif(not BWRAP_OK, reason=BWRAP_WHY)), "rlimits"]


@pytest.mark.parametrize("week", WEEKS)
def test_numpy_only_modules_of_the_solutions_and_examples_import_numpy_and_the_standard_library(week):
    """Does every NumPy-only module of the reference and of the example correct submissions import
    NumPy and the standard library only, so that the rule costs an honest solution nothing?"""
    w = Week.load(week, ROOT)
    folders = [w.solution_dir] + [p for p in sorted((ROOT / "examples" / week).glob("*"))
                                  if p.is_dir() and p.name != "known_bad"]
    allowed = set(sys.stdlib_module_names) | {"numpy"}
    for folder in folders:
        for module in sorted(w.numpy_only):
            if (folder / f"{module}.py").is_file():
                assert imported_top_levels(folder / f"{module}.py") <= allowed, (folder.name, module)


def test_the_weeks_say_which_modules_are_numpy_only():
    """Are weeks 1 and 2 NumPy-only throughout, week 3 but for its PyTorch models, week 4's PCA and
    unpooling, week 5 but for its language model, and week 6 but for its captioner?"""
    assert Week.load("week1", ROOT).numpy_only == {"regression", "classification", "optimizers", "training"}
    assert Week.load("week2", ROOT).numpy_only == {"perceptron", "layers", "losses", "mlp"}
    assert Week.load("week3", ROOT).numpy_only == {"conv", "normalization", "augment"}
    assert Week.load("week4", ROOT).numpy_only == {"pca", "unpool"}
    assert Week.load("week5", ROOT).numpy_only == {"rnn", "lstm", "embedding", "attention"}
    assert Week.load("week6", ROOT).numpy_only == {"text", "bleu"}


def test_there_is_an_attack_for_every_week_with_a_library_of_its_own():
    """Are the attacks of issue 10 here (week 1: torch.optim, autograd, scikit-learn; week 3: conv and
    pooling by torch), week 4's (unpooling by torch) and week 5's (attention by torch)?"""
    names = {p.stem for p in ATTACKS}
    assert {"optimizers_wrap_torch_optim", "logistic_by_torch_autograd",
            "train_softmax_by_sklearn_logistic_regression", "conv_and_pooling_by_torch_functional",
            "unpool_by_torch_functional", "attention_by_torch"} <= names


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("attack", ATTACKS, ids=[f"{p.parent.name.split('_')[0]}-{p.stem}" for p in ATTACKS])
def test_a_library_in_a_numpy_only_module_scores_what_the_stubs_score(attack, mode, tmp_path):
    """Does the attacked exercise score its honest baseline (0, as the blank stub) with feedback naming
    the module and the library, its module's other exercises stay "not implemented", and the first
    exercise of every other module (in the other sandbox too, in week 3) keep full marks?"""
    week = for_tests(Week.load(attack.parent.name, ROOT))
    meta = known_bad_meta(attack)
    assert attack_base(attack) == "student_template" and meta["EXERCISE_SCORE"] == 0
    targets = set(meta["EXERCISE"].split())
    module = meta["MODULE"]
    assert module in week.numpy_only
    mine = {e for e, m in week.exercise_modules.items() if m == module}
    firsts = {next(e for e, m in week.exercise_modules.items() if m == other) for other in week.modules
              if other != module and other not in TRAINED_ONLY.get(week.name, ())}
    sub = apply_attack(week, attack, tmp_path / week.name)
    limits = Limits.from_rubric(week.rubric, isolation=mode)  # the rubric's time limits: loading torch takes a while
    report = grade_submission(week, sub, device="cpu", limits=limits, only=mine | firsts)
    assert report.isolation == (isolation.BUBBLEWRAP if mode == "bubblewrap" else isolation.RLIMITS)
    for e in report.exercises():
        statuses = {c.status for c in e.checks}
        if e.id in targets:
            assert e.score == 0 and statuses == {ERROR}, [(c.status, c.output) for c in e.checks]
            assert all(c.output.startswith(meta["HINT"]) for c in e.checks), [c.output for c in e.checks]
        elif e.id in mine:
            assert statuses == {NOT_IMPLEMENTED}, (e.id, [c.output for c in e.checks])
        else:
            assert e.score == e.max_score, (e.id, [c.output for c in e.checks if c.status != PASSED])
    assert {e.id for e in report.exercises()} == mine | firsts
