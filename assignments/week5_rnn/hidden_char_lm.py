"""Hidden checks for build_char_lm: the public check's training run, judged on the held-out test sequences."""

from grader.registry import check

from .public_char_lm import judge_char_lm


@check("week5.char_lm", points=3, name="reaches the bits-per-character threshold on the held-out test sequences")
def char_lm_reaches_threshold_on_test(sub, ref):
    """Check that the language model trained on the text source (the public check's run) scores at most H + margin bits per character on the held-out test sequences, judged causally."""
    judge_char_lm(sub, ref, "test", "held-out test")
