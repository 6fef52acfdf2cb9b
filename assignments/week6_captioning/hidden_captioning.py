"""Hidden checks for build_captioner: a batch of one image and max_len 1, greedy decoding of the
trained model, and the public checks' training run judged on the held-out test scenes."""

from grader.registry import CheckFailed, check
from grader.sandbox import StudentProblem

from .public_captioning import (VOCAB, assert_greedy, data, generate_untrained, judge_quality, trained_captioner,
                                untrained_captioner)


@check("week6.captioner", points=1)
def generate_one_image_one_word(sub, ref):
    """Check that generate(images, max_len) of build_captioner(7) as built returns ids of shape (1, L), L ≤ max_len, for a batch of one image, with max_len = 1 and 2."""
    for max_len in (1, 2):
        generate_untrained(sub, 7, 1, max_len, 630 + max_len)


@check("week6.captioner", points=1)
def trained_generate_is_greedy(sub, ref):
    """Check that generate of the trained captioner (the quality checks' run; the network as built if that run failed) is greedy decoding of its forward on 64 validation scenes."""
    cfg = ref.rubric["captioner"]
    images = data(cfg, "val")[0][:64]
    try:
        trained, what, untrained = trained_captioner(sub, ref)["trained"], "after training", False
    except (CheckFailed, StudentProblem):  # a run that failed costs week6.quality; judge the network as built
        trained, what, untrained = untrained_captioner(len(VOCAB)), "before training (its training run failed)", True
    assert_greedy(sub, trained, images, cfg, len(VOCAB), f"build_captioner({len(VOCAB)}) {what}", untrained=untrained)


@check("week6.quality", points=2, name="exact-caption accuracy on the held-out test scenes reaches the threshold")
def exact_on_test(sub, ref):
    """Check that the captioner (the public checks' run) writes the scene's canonical caption word for word for at least the threshold's share of the held-out test scenes."""
    judge_quality(sub, ref, "test", "held-out test", "exact")


@check("week6.quality", points=2, name="truthfulness on the held-out test scenes reaches the threshold")
def truthful_on_test(sub, ref):
    """Check that the captioner's captions of the held-out test scenes parse by the grammar and are true of the scene for at least the threshold's share of them."""
    judge_quality(sub, ref, "test", "held-out test", "truthful")


@check("week6.quality", points=2, name="corpus BLEU-4 on the held-out test scenes reaches the threshold")
def bleu_on_test(sub, ref):
    """Check that the corpus BLEU-4 of the captioner's captions of the held-out test scenes against their true captions reaches the threshold."""
    judge_quality(sub, ref, "test", "held-out test", "bleu")
