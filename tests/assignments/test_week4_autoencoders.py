"""Week 4's own tests of its trained exercises: the recipe read from the rubric, the grader's
negative ELBO, builders of the wrong form, retrieval judged on nearest_neighbors alone (PCA's
codes where the student's encoder cannot serve), and, marked slow, the full recipe's margins.
What every week must satisfy (reference, template, known-bad examples, ids) is in
test_week4_contract.py (weekly_contract.py), graded with the smaller training recipe of
conftest.TEST_RUBRIC; the attacks on the autoencoder are in test_trained_hostile.py; the checks of
PCA, unpooling, the VAE's pieces, exact neighbours and add_noise have their own test files.
"""

import numpy as np
import pytest
import torch

from grader import datasets, training, trainers
from grader.cli import apply_known_bad
from grader.course import Week
from grader.engine import grade_submission
from grader.scoring import PASSED

from conftest import ROOT, TEST_RUBRIC, for_tests

WEEK = "week4_autoencoders"
week = Week.load(WEEK, ROOT)


@pytest.fixture(scope="module")
def grade4(tmp_path_factory):
    """grade4(folder=None, patch=None, only=None, changes=TEST_RUBRIC) -> GradeReport, memoised.
    With `patch` (a known-bad file, or the text of one), the folder is a copy of the reference with
    that patch applied; `changes` is merged into the rubric (None: the rubric as it is)."""
    cache = {}

    def _grade(folder=None, patch=None, only=None, changes=TEST_RUBRIC[WEEK]):
        key = (str(folder), str(patch), tuple(sorted(only or ())), repr(changes))
        if key not in cache:
            w = for_tests(Week.load(WEEK, ROOT), changes if changes is not None else {})
            if patch is not None:
                if not hasattr(patch, "read_text"):
                    path = tmp_path_factory.mktemp("patch") / "patch.py"
                    path.write_text(patch)
                    patch = path
                folder = apply_known_bad(w, patch, tmp_path_factory.mktemp("bad") / w.name)
            cache[key] = grade_submission(w, folder, device="cpu", only=set(only) if only else None)
        return cache[key]

    return _grade


def failed(report):
    return [r for r in report.results if r.status != PASSED]


def test_trained_checks_read_the_recipe_from_the_rubric(grade4):
    """Do the trained checks take their recipe and thresholds from the rubric they are given? With one
    epoch and thresholds no network reaches, the reference fails every trained check, and each message
    names that recipe and that threshold."""
    changes = {"data": {"n_train": 300, "n_val": 100, "n_test": 100},
               "autoencoder": {"epochs": 1, "mse_threshold": 0.001},
               "denoising": {"epochs": 1, "mse_threshold": 0.0011},
               "vae_train": {"epochs": 1, "nelbo_threshold": 12.5}}
    report = grade4(week.solution_dir, only={"week4.autoencoder", "week4.denoising", "week4.vae_train"},
                    changes=changes)
    bad = failed(report)
    assert len(bad) == 6
    for r in bad:
        assert "(1 epochs of Adam" in r.output and "300 images" in r.output, r.output
        assert {"week4.autoencoder": "threshold 0.00100", "week4.denoising": "threshold 0.00110",
                "week4.vae_train": "threshold 12.50"}[r.id] in r.output, r.output


def test_a_builder_that_returns_one_module_is_told_to_return_a_pair(grade4):
    """Is build_autoencoder returning a single nn.Module (not (encoder, decoder)) told so, and the
    denoiser with it, while the rest of the week keeps its points?"""
    patch = ('MODULE = "autoencoder"\n\n\ndef build_autoencoder(input_shape, code_size):\n'
             '    return nn.Sequential(nn.Flatten(), nn.Linear(math.prod(input_shape), code_size))\n')
    report = grade4(patch=patch, only={"week4.autoencoder", "week4.denoising", "week4.retrieval"})
    scores = {e.id: (e.score, e.max_score) for e in report.exercises()}
    assert scores["week4.autoencoder"][0] == 0 and scores["week4.retrieval"][0] == scores["week4.retrieval"][1]
    trained = [r for r in failed(report) if "threshold" in r.name]
    assert trained and all("expected a pair (encoder, decoder)" in r.output for r in trained)


def test_retrieval_falls_back_to_pca_codes_where_the_encoder_cannot_serve(grade4):
    """Is nearest_neighbors judged alone: in PCA's codes when build_autoencoder is a stub, and when
    its encoder gives every image the same code (where no neighbours keep the classes apart)?
    Full marks both ways (that the autoencoder loses its own points is the contract's business)."""
    stub = ('MODULE = "autoencoder"\n\n\ndef build_autoencoder(input_shape, code_size):\n'
            '    raise NotImplementedError("week4.autoencoder")\n')
    constant = ('MODULE = "autoencoder"\n\n\nclass Constant(nn.Module):\n'
                '    def __init__(self, size, k):\n        super().__init__()\n'
                '        self.linear = nn.Linear(size, k)\n\n'
                '    def forward(self, x):\n        return 0 * self.linear(x.flatten(1))\n\n\n'
                'def build_autoencoder(input_shape, code_size):\n'
                '    size = math.prod(input_shape)\n'
                '    return Constant(size, code_size), nn.Sequential(nn.Linear(code_size, size), '
                'nn.Unflatten(1, tuple(input_shape)))\n')
    for patch in (stub, constant):
        report = grade4(patch=patch, only={"week4.retrieval"})
        (retrieval,) = report.exercises()
        assert retrieval.score == retrieval.max_score > 0, [c.output for c in retrieval.checks]


def test_retrieval_failure_names_the_code_space_and_exact_neighbours(grade4):
    """Does a nearest_neighbors that returns the farthest codes fail the precision checks with the
    code space and what exact neighbours score there?"""
    patch = ROOT / "examples" / WEEK / "known_bad" / "retrieval_farthest_first.py"
    report = grade4(patch=patch, only={"week4.retrieval"})
    precision = [r for r in failed(report) if "code space" in r.name]
    assert len(precision) == 2
    for r in precision:
        assert "the codes of the encoder trained for week4.autoencoder" in r.output
        assert "where the exact nearest neighbours score" in r.output


@pytest.mark.parametrize("folder", ["alternative_correct", "conv_networks"])
def test_other_correct_submissions_score_full_marks_where_nothing_trains(grade4, folder):
    """Do the other correct submissions get full marks on every exercise without a training run? (Graded
    whole, the trained exercises too, in the slow tests: test_week4_contract.py and the full recipe below.)"""
    report = grade4(ROOT / "examples" / WEEK / folder, only={"week4.pca", "week4.conv_transpose", "week4.max_unpool",
                                                              "week4.vae"})
    assert [(r.title, r.output) for r in failed(report)] == []
    assert report.score == report.max_score == 20


# --- the grader's own losses ----------------------------------------------------------------------------


def test_bce_with_logits_matches_torch():
    """Is the judge's binary cross-entropy (summed over each image's pixels) torch's, extreme logits included?"""
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 8, size=(5, 1, 4, 4))
    logits[0, 0, 0, :2] = (80.0, -80.0)
    x = rng.uniform(0, 1, size=logits.shape)
    want = torch.nn.functional.binary_cross_entropy_with_logits(torch.tensor(logits), torch.tensor(x),
                                                                reduction="none").sum(dim=(1, 2, 3)).numpy()
    np.testing.assert_allclose(training.bce_with_logits(logits, x), want, rtol=1e-12, atol=1e-12)


class _Gaussian(torch.nn.Module):
    """A tiny VAE for the loss tests: linear encoder and decoder."""

    def __init__(self, shape=(1, 4, 4), k=3):
        super().__init__()
        torch.manual_seed(0)
        self.enc = torch.nn.Linear(int(np.prod(shape)), 2 * k)
        self.dec = torch.nn.Linear(k, int(np.prod(shape)))
        self.shape, self.k = shape, k

    def encode(self, x):
        h = self.enc(x.flatten(1))
        return h[:, :self.k], h[:, self.k:]

    def decode(self, z):
        return self.dec(z).reshape(len(z), *self.shape)


def test_judge_and_worker_compute_the_same_negative_elbo():
    """Do the worker's training loss (trainers.negative_elbo) and the judge's held-out estimate
    (training.negative_elbo, float64, its own ε) agree on one model: the judge's Monte Carlo
    estimate within 6 standard errors of the worker's average over 400 draws of ε?"""
    model = _Gaussian()
    x = torch.tensor(np.random.default_rng(1).uniform(0, 1, size=(64, 1, 4, 4)).astype(np.float32))
    with torch.no_grad():
        worker = [trainers.negative_elbo(model, x, torch.Generator().manual_seed(s)).item() for s in range(400)]
    session = training.LocalSession({"vae": type("M", (), {"build": lambda *a: model})})
    trained = training.Trained(builder="vae.build", args=[], kwargs={}, params=[],
                               recipe=training.Recipe(trainer="torch_vae", epochs=1, batch_size=8, lr=1e-3))
    judged = training.negative_elbo(session, trained, {"x": x.numpy()}, 3, what="vae", samples=400, seed=2,
                                    untrained=True)["x"]
    mean, error = np.mean(worker), np.std(worker) / np.sqrt(len(worker))
    assert abs(judged - mean) < 6 * error + 1e-9, (judged, mean, error)


def test_a_vae_whose_encode_is_not_a_pair_is_told_so():
    """Does a VAE whose encode returns one tensor get a message naming (mu, logvar)?"""
    class One(_Gaussian):
        def encode(self, x):
            return self.enc(x.flatten(1))

    with pytest.raises(TypeError, match=r"expected \(mu, logvar\)"):
        trainers.negative_elbo(One(), torch.zeros(2, 1, 4, 4), torch.Generator())


def test_shapes_value_ranges_leave_the_default_stream_alone():
    """Do the background and foreground ranges change the values and not the random stream: the
    defaults give week 3's images exactly, and other ranges give the same shapes in the same places?"""
    X, y = datasets.shapes(40, 16, 7, channels=1)
    X2, y2 = datasets.shapes(40, 16, 7, channels=1, background=(0.0, 0.45), foreground=(0.55, 1.0))
    np.testing.assert_array_equal(X, X2)
    X3, y3 = datasets.shapes(40, 16, 7, channels=1, background=(0.0, 0.2), foreground=(0.8, 1.0))
    np.testing.assert_array_equal(y, y3)
    assert np.corrcoef(X.ravel(), X3.ravel())[0, 1] > 0.8
    assert X3.min() >= 0 and X3.max() <= 1


# --- the full recipe (slow) --------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("folder", ["solution", "alternative_correct", "conv_networks"])
def test_full_recipe_clears_every_threshold(grade4, folder):
    """With the rubric's own recipe, does each correct submission clear every trained threshold?"""
    path = week.solution_dir if folder == "solution" else ROOT / "examples" / WEEK / folder
    report = grade4(path, only={"week4.autoencoder", "week4.denoising", "week4.retrieval", "week4.vae_train"},
                    changes=None)
    assert [(r.title, r.output) for r in failed(report)] == []


@pytest.mark.slow
@pytest.mark.parametrize("patch,hint", [("autoencoder_is_linear", "no better than PCA"),
                                        ("vae_decoder_ignores_z", "ignores z")])
def test_full_recipe_weak_models_miss_their_threshold(grade4, patch, hint):
    """With the rubric's own recipe, do the linear autoencoder and the VAE whose decoder ignores z miss
    their thresholds, with the hint?"""
    path = ROOT / "examples" / WEEK / "known_bad" / f"{patch}.py"
    exercise = "week4.autoencoder" if patch.startswith("autoencoder") else "week4.vae_train"
    report = grade4(patch=path, only={exercise}, changes=None)
    bad = failed(report)
    assert len(bad) == 2 and all(hint in r.output for r in bad)
