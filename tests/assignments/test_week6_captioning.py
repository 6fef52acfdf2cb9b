"""Week 6's captioner (week6.captioner, week6.quality) and its data (assignments/week6_captioning/scenes.py).

Fast tests: the scenes and the truth of captions about them; the grader's caption loss; how generated
ids are read back (any container, a leading <start>, rows cut to max_len where quality is judged, what
follows <end> ignored, clear messages otherwise); the greedy check against a decoder that samples; a
training run that fails costing quality only; the feedback of the quality checks (what goes wrong in
the captions, an image-blind model, a decoder that reads later words, controls that reach a
threshold); the week's data module in the student kit and in notebooks. Slow: the full recipe passes
the reference and fails the caption prior. (That the reference scores full marks, the blank template
zero, each known-bad example exactly its EXERCISE_SCORE and the transformer captioner full marks is
checked in test_week6_contract.py; the pixel-reading attack in test_trained_hostile.py.)"""

import numpy as np
import pytest

from grader import training
from grader.course import Week
from grader.registry import CheckFailed, Reference
from grader.scoring import PASSED

from conftest import ROOT, check_module

WEEK = "week6_captioning"
week = Week.load(WEEK, ROOT)
scenes = week.data_module("scenes")
checks = check_module(week, "public_captioning")


# --- the scenes ---------------------------------------------------------------------------------------


def test_scenes_are_deterministic_per_seed_and_differ_between_seeds():
    """Does a seed give the same images and scenes every time, and another seed other ones?"""
    a, sa = scenes.generate(50, 7)
    b, sb = scenes.generate(50, 7)
    c, sc = scenes.generate(50, 8)
    assert np.array_equal(a, b) and sa == sb
    assert not np.array_equal(a, c) and sa != sc
    assert a.dtype == np.float32 and a.shape == (50, 3, 32, 32) and 0 <= a.min() and a.max() <= 1


def test_two_things_lie_apart_along_one_axis_without_touching():
    """Is the larger centre distance of two things at least twice the smaller, and more than their sizes?"""
    _, drawn = scenes.generate(400, 1)
    pairs = [s.things for s in drawn if len(s.things) == 2]
    assert 0.6 < len(pairs) / len(drawn) < 0.8
    for a, b in pairs:
        near, far = sorted((abs(a.x - b.x), abs(a.y - b.y)))
        assert far >= 2 * near and far >= a.r + b.r + 2


def test_the_canonical_caption_and_its_converse_are_true_and_nothing_else_of_the_kind_is():
    """Are a scene's references true of it, and a caption with any one word changed false, naming what changed?"""
    _, drawn = scenes.generate(200, 2)
    for s in drawn:
        assert s.references[0] == s.caption
        assert all(scenes.is_true(r, s) for r in s.references)
        words = s.caption.split()
        other_colour = next(c for c in scenes.COLOURS if c != words[1])
        assert scenes.mistakes(" ".join([words[0], other_colour, *words[2:]]), s) == {"colour"}
        other_shape = next(c for c in scenes.SHAPES if c != words[2])
        assert scenes.mistakes(" ".join([*words[:2], other_shape, *words[3:]]), s) == {"shape"}
        if len(s.things) == 2:
            rel = scenes.CONVERSE[" ".join(words[3:-3])]
            swapped = " ".join([*words[:3], rel, *words[-3:]])
            a, b = s.things
            # of two alike things, either may be read first: the swapped relation is true of the other reading
            assert scenes.mistakes(swapped, s) == (set() if a.phrase == b.phrase else {"relation"})
            assert scenes.mistakes(" ".join(words[:3]), s) == {"count"}
        else:
            assert scenes.mistakes(s.caption + " left of a red circle", s) == {"count"}


def test_captions_that_break_the_grammar_are_named_grammar():
    """Do captions outside the grammar parse to None and count as grammar mistakes?"""
    _, drawn = scenes.generate(1, 3)
    for caption in ("", "a", "red circle", "a red", "a red circle left a blue square", "a red circle left of",
                    "a red circle left of a blue square a", "a purple circle", "the red circle", "a red circle a"):
        assert scenes.parse(caption) is None
        assert scenes.mistakes(caption, drawn[0]) == {"grammar"}


def test_judge_counts_exact_as_the_canonical_caption_and_truthful_as_any_true_one():
    """Is the converse caption truthful but not exact, and are the mistake rates shares of all captions?"""
    _, drawn = scenes.generate(100, 4)
    two = [s for s in drawn if len(s.things) == 2][:10]
    got = scenes.judge([s.references[1] for s in two], two)
    assert got["exact"] == 0 and got["truthful"] == 1
    got = scenes.judge([s.caption for s in two[:5]] + ["a"] * 5, two)
    assert got["exact"] == got["truthful"] == 0.5 and got["mistakes"]["grammar"] == 0.5
    with pytest.raises(ValueError):
        scenes.judge(["a red circle"], two)


def test_the_graders_vocabulary_spells_every_caption_of_the_grammar():
    """Are the specials ids 0–3 and every word a true caption can use in the grader's vocabulary, once?"""
    assert checks.VOCAB[:4] == ("<pad>", "<unk>", "<start>", "<end>") and len(set(checks.VOCAB)) == len(checks.VOCAB)
    _, drawn = scenes.generate(300, 5)
    for s in drawn:
        for r in s.references:
            ids = checks.encode([r], checks.RUBRIC["captioner"]["max_words"])
            assert checks.words_of(ids[:, 1:]) == [r]


# --- the grader's loss and reading generated ids back ---------------------------------------------------


def test_the_caption_loss_is_the_cross_entropy_of_the_next_words_without_padding():
    """Is trainers.caption_loss the mean cross-entropy over non-<pad> targets of forward(images, ids[:, :-1])?"""
    import torch

    from grader import trainers

    torch.manual_seed(0)
    logits = torch.randn(3, 5, 7)

    class Fixed(torch.nn.Module):
        def forward(self, images, captions_in):
            assert captions_in.shape == (3, 5)
            return logits

    ids = torch.tensor([[2, 4, 5, 3, 0, 0], [2, 6, 3, 0, 0, 0], [2, 4, 4, 4, 4, 3]])
    got = trainers.caption_loss(Fixed(), torch.zeros(3, 3, 32, 32), ids)
    targets = ids[:, 1:]
    keep = targets != 0
    expected = -torch.log_softmax(logits, -1).gather(-1, targets[..., None])[..., 0][keep].mean()
    assert torch.allclose(got, expected)
    with pytest.raises(ValueError, match=r"expected logits of shape \(N, T, V\)"):
        trainers.caption_loss(type("Bad", (torch.nn.Module,), {"forward": lambda self, i, c: logits[:, :2]})(),
                              torch.zeros(3, 3, 32, 32), ids)


def session_of(build):
    return training.LocalSession({"captioning": type("m", (), {"build_captioner": staticmethod(build)})})


def toy(generate):
    """A captioner builder whose generate is `generate(images, max_len)` and forward all zeros."""
    import torch

    class Toy(torch.nn.Module):
        def __init__(self, vocab_size):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(vocab_size))

        def forward(self, images, captions_in):
            return self.w.expand(*captions_in.shape, -1)

        def generate(self, images, max_len):
            return generate(images, max_len)

    return Toy


def generated(generate, n=5, max_len=4, **kwargs):
    model = checks.untrained_captioner(7)
    return training.generated_ids(session_of(toy(generate)), model, np.zeros((n, 3, 32, 32)), max_len, 7, what="toy",
                                  untrained=True, **kwargs)


def test_generated_ids_pass_whatever_their_container():
    """Are ids read back from a LongTensor, a NumPy int32 array, a list of lists and whole floats alike?"""
    import torch

    rows = [[4, 5, 3], [6, 3, 0], [4, 4, 4], [3, 0, 0], [5, 5, 3]]
    for make in (lambda: torch.tensor(rows), lambda: np.array(rows, dtype=np.int32), lambda: rows,
                 lambda: torch.tensor(rows, dtype=torch.float32)):
        got = generated(lambda images, max_len: make())
        assert got.dtype == np.int64 and got.tolist() == rows


def test_what_a_row_holds_after_its_end_is_not_judged():
    """Do ids after a row's first <end> (a -1 fill, NaN, ids outside the vocabulary) pass, reading as <pad>?"""
    rows = np.array([[4, 3, -1, -1], [3, np.nan, 99, 2.5], [4, 5, 6, 3], [4, 4, 4, 4], [5, 3, 3, 3]])
    got = generated(lambda images, max_len: rows, end=3)
    assert got.tolist() == [[4, 3, 0, 0], [3, 0, 0, 0], [4, 5, 6, 3], [4, 4, 4, 4], [5, 3, 0, 0]]
    with pytest.raises(CheckFailed, match="not whole numbers"):  # without an end id every entry is judged
        generated(lambda images, max_len: rows)


def test_generated_rows_longer_than_max_len_fail_unless_quality_cuts_them():
    """Does generate returning more than max_len ids fail with the mistake named, and the quality run read the first max_len?"""
    import torch

    long = lambda images, max_len: torch.full((len(images), max_len + 1), 4)  # noqa: E731
    with pytest.raises(CheckFailed) as e:
        generated(long)
    assert e.value.mistake == training.TOO_LONG and "L ≤ max_len = 4" in str(e.value)
    assert generated(long, cut=True).shape == (5, 4)


@pytest.mark.parametrize("out,message", [
    (lambda images, max_len: np.zeros(len(images), dtype=int), r"shape \(5,\), expected ids of shape \(N, L\)"),
    (lambda images, max_len: np.full((len(images), 2), 7), r"outside the vocabulary's \[0, 7\)"),
    (lambda images, max_len: np.full((len(images), 2), -1), r"outside the vocabulary's \[0, 7\)"),
    (lambda images, max_len: np.full((len(images), 2), 2.5), "not whole numbers"),
    (lambda images, max_len: np.full((len(images), 2), np.nan), "not whole numbers"),
    (lambda images, max_len: "a red circle", "should be an array of numbers"),
])
def test_generated_ids_that_are_not_ids_get_a_clear_message(out, message):
    """Do a 1-D result, ids outside the vocabulary, fractions, NaN and text each fail with a message saying so?"""
    with pytest.raises(CheckFailed, match=message):
        generated(out)
    with pytest.raises(CheckFailed, match=message):  # the quality run cuts long rows, nothing else
        generated(out, cut=True)


def test_a_leading_start_column_is_left_out_and_rows_are_read_up_to_end():
    """Are generated rows read as the grader's captions: a <start> column dropped, up to <end>, specials out?"""
    ids = np.array([[2, 4, 5, 10, 3, 4], [2, 4, 6, 11, 0, 3], [2, 4, 7, 12, 1, 7]])
    assert checks.words_of(ids) == ["a red circle", "a green square", "a blue triangle blue"]
    assert checks.words_of(ids[:, 1:]) == checks.words_of(ids)
    assert checks.words_of(np.array([[4, 2, 5]])) == ["a red"]  # a <start> inside a row is a special token


def test_a_decoder_that_samples_is_not_greedy():
    """Does the greedy check pass a generate that takes the argmax of forward's logits, and name a sampling one?"""
    import torch

    cfg = checks.RUBRIC["captioner"]
    images = scenes.generate(8, 9)[0]

    class Wordy(torch.nn.Module):
        def __init__(self, vocab_size, sample=False):
            super().__init__()
            self.table = torch.nn.Parameter(torch.randn(vocab_size, vocab_size, generator=torch.Generator().manual_seed(1)))
            self.sample = sample

        def forward(self, images, captions_in):
            return self.table[captions_in] + images.mean((1, 2, 3))[:, None, None]

        def generate(self, images, max_len):
            word, out = torch.full((len(images), 1), 2), []
            for _ in range(max_len):
                logits = self.forward(images, word)[:, -1]
                word = (torch.multinomial(torch.softmax(logits, -1), 1, generator=torch.Generator().manual_seed(2))
                        if self.sample else logits.argmax(-1, keepdim=True))
                out.append(word)
            return torch.cat(out, 1)

    model = checks.untrained_captioner(len(checks.VOCAB))
    checks.assert_greedy(session_of(Wordy), model, images, cfg, len(checks.VOCAB), "greedy", untrained=True)
    with pytest.raises(CheckFailed) as e:
        checks.assert_greedy(session_of(lambda v: Wordy(v, sample=True)), model, images, cfg, len(checks.VOCAB),
                             "sampling", untrained=True)
    assert e.value.mistake == checks.NOT_GREEDY and "forward's logits are highest for id" in str(e.value)


NAN_IN_TRAINING = """
class NaNInTraining(Captioner):
    def forward(self, images, captions_in):
        logits = super().forward(images, captions_in)
        return logits * float("nan") if self.training else logits


def build_captioner(vocab_size):
    return NaNInTraining(vocab_size)
"""


def test_a_training_run_that_fails_costs_quality_only(grade, tmp_path):
    """Does a captioner whose training loss is NaN lose week6.quality, saying so, and keep week6.captioner
    (its greedy decoding judged on the network as built)?"""
    from conftest import patched_reference

    folder = patched_reference(week, tmp_path / WEEK, {"captioning": NAN_IN_TRAINING})
    report = grade(WEEK, folder, only={"week6.captioner", "week6.quality"})
    assert {e.id: e.score for e in report.exercises()} == {"week6.captioner": 5, "week6.quality": 0}
    assert all("training loss of build_captioner became nan" in r.output for r in report.results
               if r.id == "week6.quality")


# --- the quality checks' feedback ---------------------------------------------------------------------


def judged_run(captions_of, controls_of=lambda s: ["a"] * len(s), history=(0.9, 0.5, 0.3), lookahead=0.0):
    """A LocalSession and Reference whose memoised training run wrote captions_of(scenes) for each held-out
    split (its controls controls_of(scenes)), as trained_captioner keeps it."""
    cfg = dict(checks.RUBRIC["captioner"], n_val=60, n_test=60, n_controls=20)
    rubric = dict(checks.RUBRIC, captioner=cfg)
    ref = Reference(None, WEEK, "cpu", rubric)
    session = session_of(None)
    trained = training.Trained(builder=checks.BUILDER, args=[18], kwargs={}, recipe=checks.recipe(cfg), params=[],
                               history=list(history))
    run = {"trained": trained, "captions": {}, "scores": {}, "controls": {"untrained": {}, "scrambled": {}},
           "lookahead": lookahead}
    for split in checks.SPLITS:
        drawn = checks.data(cfg, split)[1]
        run["captions"][split] = captions_of(drawn)
        run["scores"][split] = checks.judged(run["captions"][split], drawn)
        for control in run["controls"]:
            run["controls"][control][split] = checks.judged(controls_of(drawn[:20]), drawn[:20])
    session.shared_memo[("captioner", "cpu", repr(sorted(cfg.items())))] = run
    return session, ref


def recoloured(drawn):
    out = []
    for s in drawn:
        words = s.caption.split()
        words[1] = next(c for c in scenes.COLOURS if c != words[1])
        out.append(" ".join(words))
    return out


def test_quality_feedback_says_which_part_of_the_captions_goes_wrong():
    """Does a captioner that writes wrong colours hear that its captions name a wrong colour, with its scores?"""
    session, ref = judged_run(recoloured)
    for metric in checks.METRICS:
        with pytest.raises(CheckFailed) as e:
            checks.judge_quality(session, ref, "val", "validation", metric)
        assert "100% name a wrong colour" in str(e.value) and "exact 0.000, truthful 0.000" in str(e.value)
    assert checks.judge_quality(*judged_run(lambda d: [s.caption for s in d]), "test", "test", "exact") == 1.0


def test_quality_feedback_names_a_captioner_that_ignores_the_image():
    """Does one caption for most scenes get the image-blind mistake, naming the caption?"""
    session, ref = judged_run(lambda d: ["a white triangle above a white triangle"] * len(d))
    with pytest.raises(CheckFailed) as e:
        checks.judge_quality(session, ref, "test", "held-out test", "bleu")
    assert e.value.mistake == checks.IMAGE_BLIND and '"a white triangle above a white triangle" for 60 of 60' in str(e.value)


def test_quality_feedback_names_a_decoder_that_reads_later_words():
    """Does a run whose logits change with later words of captions_in get the look-ahead mistake first?"""
    session, ref = judged_run(lambda d: ["a red circle"] * len(d), history=(0.5, 0.01), lookahead=0.7)
    with pytest.raises(CheckFailed) as e:
        checks.judge_quality(session, ref, "val", "validation", "truthful")
    assert e.value.mistake == checks.LOOKS_AHEAD and "relative difference 0.7" in str(e.value)


def test_controls_that_reach_a_threshold_fail_the_check_even_for_perfect_captions():
    """Do perfect captions fail when the untrained network writes them as well (they were not learned)?"""
    perfect = lambda d: [s.caption for s in d]  # noqa: E731
    session, ref = judged_run(perfect, controls_of=perfect)
    with pytest.raises(CheckFailed, match="as the builder makes it, before any training, reaches the threshold: its exact-caption accuracy is 1.000"):
        checks.judge_quality(session, ref, "val", "validation", "exact")


# --- the week's data module --------------------------------------------------------------------------


def test_the_data_module_ships_in_the_kit_beside_the_public_checks(tmp_path):
    """Does the student kit of week 6 hold scenes.py with the public checks, and no hidden file?"""
    from grader.kit import build_kit

    assert [p.name for p in week.data_files] == ["scenes.py"]
    kit = build_kit(tmp_path / "KIT", ["week6"], ROOT)
    shipped = sorted(p.name for p in (kit / "assignments" / WEEK).iterdir())
    assert "scenes.py" in shipped and "public_captioning.py" in shipped
    assert not [n for n in shipped if n.startswith("hidden_")]


def test_a_notebook_gets_the_data_module_by_name(monkeypatch):
    """Does grader.notebook.week_data give the week's scenes module, and a clear error for a name it lacks?"""
    from grader.course import CourseError
    from grader.notebook import week_data

    monkeypatch.chdir(ROOT)
    assert week_data("week6", "scenes").generate(2, 0)[0].shape == (2, 3, 32, 32)
    with pytest.raises(CourseError, match="no data module 'public_captioning'"):
        week_data("week6", "public_captioning")


# --- the full recipe ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_full_recipe_passes_the_reference_and_fails_the_caption_prior(tmp_path):
    """With the rubric's own recipe and thresholds: does the reference pass every quality check, and the
    image-blind known-bad miss them all, as the rubric's calibration says?"""
    from grader.cli import apply_known_bad
    from grader.engine import grade_submission

    quality = {"week6.quality", "week6.captioner"}
    reference = grade_submission(week, week.solution_dir, device="cpu", only=quality)
    assert reference.score == reference.max_score, [r.output for r in reference.results if r.status != PASSED]
    blind = apply_known_bad(week, ROOT / "examples" / WEEK / "known_bad" / "captioner_ignores_the_image.py",
                            tmp_path / "blind" / WEEK)
    report = grade_submission(week, blind, device="cpu", only=quality)
    assert {e.id: e.score for e in report.exercises()} == {"week6.captioner": 5, "week6.quality": 0}
