"""Attacks on the trained exercises (weeks 1–6): replacing the trainer, steering the recipe from
the worker's frames, looking held-out answers up in data the submission carries or regenerates,
an encoder handing the images to its decoder, a code that is not learned, a language model
remembering the held-out text it is shown to read its later characters, a captioner whose
captions come from a hand-written image analyser instead of what it learned.

Each attack in tests/hostile/<week>/ listed below is a patch (see test_week1_hostile) with a
``CHEAT = True`` switch. Its honest baseline is the same patch with ``CHEAT = False``: the model
without the cheat. Both are graded on the exercises of the patched module, and every exercise
must score exactly the same, the attacked one below full marks (there was something to steal),
with feedback that says why.
"""

import dataclasses

import pytest

from grader.cli import apply_known_bad, known_bad_meta
from grader.course import Week
from grader.engine import grade_submission
from grader.sandbox import Limits

from conftest import ROOT, for_tests, pasted

ATTACKS = [
    ("week1_linear_models", "train_softmax_fits_the_shipped_digits"),
    ("week2_neural_networks", "mlp_stub_replaces_the_trainer"),
    ("week2_neural_networks", "mlp_walks_frames_to_the_recipe"),
    ("week2_neural_networks", "mlp_looks_answers_up_in_the_shipped_digits"),
    ("week3_cnn", "cnn_stub_replaces_the_trainer"),
    ("week3_cnn", "cnn_regenerates_the_shapes"),
    ("week4_autoencoders", "autoencoder_passes_images_to_its_decoder"),
    ("week4_autoencoders", "autoencoder_packs_pixels_into_the_code"),
    ("week5_rnn", "char_lm_remembers_longer_sequences"),
    ("week6_captioning", "captioner_reads_the_pixels"),
]


def graded(week: Week, patch_text: str, name: str, tmp_path, only: set):
    patch = tmp_path / f"{name}.py"
    patch.write_text(patch_text)
    folder = apply_known_bad(week, patch, tmp_path / name / week.name)
    return grade_submission(week, folder, device="cpu", only=only,
                            limits=dataclasses.replace(Limits.from_rubric(week.rubric)))


@pytest.mark.parametrize("week_name,attack", ATTACKS, ids=[a for _, a in ATTACKS])
def test_attack_scores_its_honest_baseline(week_name, attack, tmp_path):
    """Does the cheating model score exactly what the same model without the cheat scores?"""
    week = for_tests(Week.load(week_name, ROOT))
    path = ROOT / "tests" / "hostile" / week_name / f"{attack}.py"
    meta = known_bad_meta(path)
    text = pasted(path.read_text())
    assert "CHEAT = True" in text
    only = {e for e, m in week.exercise_modules.items() if m == meta["MODULE"]}
    cheat = graded(week, text, "cheat", tmp_path, only)
    honest = graded(week, text.replace("CHEAT = True", "CHEAT = False", 1), "honest", tmp_path, only)
    scores = {e.id: e.score for e in cheat.exercises()}
    assert scores == {e.id: e.score for e in honest.exercises()}, [
        (c.name, c.status, c.output[:300]) for c in cheat.results if c.status != "passed"]
    target = next(e for e in cheat.exercises() if e.id == meta["EXERCISE"])
    assert target.score < target.max_score
    failing = "\n".join(c.output for c in target.checks if c.status != "passed")
    hints = meta["HINT"] if isinstance(meta["HINT"], tuple) else (meta["HINT"],)
    assert any(h in failing for h in hints), failing
