"""Hidden checks for build_captioner: a batch of one image and max_len 1, greedy decoding of the
trained model, and the public checks' training run judged on the held-out test scenes."""

from grader.registry import check

from .public_captioning import (VOCAB, assert_greedy, data, generate_untrained, judge_quality,
                                trained_captioner)


@check("week6.captioner", points=1)
def generate_one_image_one_word(sub, ref):
    """Check that generate(images, max_len) of build_captioner(7) as built returns ids of shape (1, L), L ≤ max_len, for a batch of one image, with max_len = 1 and 2."""
    for max_len in (1, 2):
        generate_untrained(sub, 7, 1, max_len, 630 + max_len)


@check("week6.captioner", points=1)
def trained_generate_is_greedy(sub, ref):
    """Check that generate of the trained captioner (the quality checks' run) is greedy decoding of its forward on 64 validation scenes."""
    cfg = ref.rubric["captioner"]
    run = trained_captioner(sub, ref)
    images = data(cfg, "val")[0][:64]
    assert_greedy(sub, run["trained"], images, cfg, len(VOCAB), f"build_captioner({len(VOCAB)}) after training")


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
