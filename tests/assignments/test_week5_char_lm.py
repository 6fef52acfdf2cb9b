"""Week 5's language model (week5.char_lm). Slow tests of the decisions its checks make: a
bidirectional LSTM (which reads later characters) fails on the causality check and on both
thresholds, with feedback that says so; with the full recipe the reference clears H + margin and a
bigram model misses it, as the rubric's calibration says. A fast test shows that the attack on the
causal evaluation (tests/hostile/week5_rnn) is real. (That the reference and the other correct
submission score full marks (the latter a GRU that outputs log-probabilities, logits up to a
constant), the blank template zero and each known-bad example exactly its EXERCISE_SCORE, a
convolution padded on both sides among them, is checked with the rest of the week in
test_week5_contract.py.)"""

import pytest

from grader.cli import apply_known_bad
from grader.course import Week
from grader.scoring import PASSED

from conftest import ROOT, patched_reference

WEEK = "week5_rnn"
CHAR_LM = {"week5.char_lm"}
week = Week.load(WEEK, ROOT)


def with_char_lm(tmp_path, body):
    """The reference with char_lm.py's build_char_lm replaced by `body` (appended, as a known-bad patch is)."""
    return patched_reference(week, tmp_path / WEEK, {"char_lm": body})


BIDIRECTIONAL = '''
class BidirectionalLSTM(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, 32)
        self.lstm = nn.LSTM(32, 64, batch_first=True, bidirectional=True)
        self.out = nn.Linear(128, vocab_size)

    def forward(self, ids):
        return self.out(self.lstm(self.embed(ids))[0])


def build_char_lm(vocab_size):
    return BidirectionalLSTM(vocab_size)
'''


@pytest.mark.slow
def test_a_bidirectional_model_is_told_it_looks_ahead(grade, tmp_path):
    """Does a bidirectional LSTM keep only the shape check's point, each other check saying that its logits
    change with later characters, the thresholds' also that it scores well only in training?"""
    report = grade(WEEK, with_char_lm(tmp_path, BIDIRECTIONAL), only=CHAR_LM)
    failed = [r for r in report.results if r.status != PASSED]
    assert report.score == 1 and len(failed) == 3
    assert all("change when the" in r.output and "after it change" in r.output for r in failed)
    assert sum("The model looks ahead" in r.output for r in failed) == 2


@pytest.mark.slow
def test_the_full_recipe_passes_the_reference_and_fails_a_bigram(tmp_path):
    """With the rubric's own recipe and margin: does the reference pass both thresholds and the bigram
    known-bad miss both, by the margins the rubric records?"""
    from grader.engine import grade_submission

    reference = grade_submission(week, week.solution_dir, device="cpu", only=CHAR_LM)
    assert reference.score == reference.max_score, [r.output for r in reference.results if r.status != PASSED]
    bigram = apply_known_bad(week, ROOT / "examples" / WEEK / "known_bad" / "char_lm_bigram.py", tmp_path / "bigram")
    report = grade_submission(week, bigram, device="cpu", only=CHAR_LM)
    assert report.score == 2 and sum("no better than a model that sees only" in r.output for r in report.results) == 2


def test_the_remembering_attack_would_copy_the_targets_of_a_longest_first_evaluation():
    """Is the attack of tests/hostile/week5_rnn/char_lm_remembers_longer_sequences.py real: run in one
    process on the prefixes of some sequences longest first, does it answer almost every next id (it scores
    its honest baseline only because the grader evaluates shortest first, in a fresh worker)?"""
    import torch
    from torch import nn

    from conftest import pasted

    namespace = {"nn": nn, "torch": torch}
    exec(pasted((ROOT / "tests" / "hostile" / WEEK / "char_lm_remembers_longer_sequences.py").read_text()), namespace)
    model = namespace["build_char_lm"](8).eval()
    namespace["_FILES"] = ()  # remember in memory only: this process's /tmp is not a sandbox's
    ids = torch.randint(0, 8, (5, 12), generator=torch.Generator().manual_seed(0))
    copied = sum(int((model(ids[:, :L])[:, -1].argmax(-1) == ids[:, L]).sum()) for L in range(11, 2, -1))
    assert copied >= 5 * 8  # every prefix but the longest (whose continuation it has not seen) is copied
