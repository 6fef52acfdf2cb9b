"""Hidden checks for bleu.py, against nltk's corpus_bleu as the public ones: several references per
hypothesis (clipping by the reference where an n-gram is most frequent), the closest reference
length with ties (the shorter wins), hypotheses shorter than 4 words (each counts at least one
n-gram of every order), precisions of 0 (nltk's ~1e-77 and a student's 0 both pass), empty
hypotheses, a hypothesis equal to its reference, and a large corpus."""

import numpy as np

from grader.registry import check

from .public_bleu import WORDS, assert_bleu, random_corpus


def split(*captions):
    return [c.split() for c in captions]


def lengths_corpus(seed, spec):
    """For each (hypothesis length, [reference lengths]) of `spec`: prefixes of one random caption, one
    word of each replaced by a random word, so that the brevity penalty decides most of the score."""
    rng = np.random.default_rng(seed)
    references, hypotheses = [], []
    for h, lengths in spec:
        base = [str(w) for w in rng.choice(WORDS[:10], size=max(h, *lengths))]

        def noisy(k):
            words = base[:k]
            if k > 1:
                words[int(rng.integers(k))] = str(rng.choice(WORDS))
            return words

        references.append([noisy(k) for k in lengths])
        hypotheses.append(noisy(h))
    return references, hypotheses


@check("week6.bleu", points=1)
def bleu_several_references(sub, ref):
    """Check that corpus_bleu equals nltk's with several references per hypothesis: each n-gram clipped at its largest count in any one reference."""
    for seed, n, refs in ((300, 10, (2, 3)), (301, 30, (2, 5)), (302, 8, (4, 4))):
        assert_bleu(sub, *random_corpus(seed, n, refs=refs, words=10, rate=0.3))
    references = [split("the cat is on the mat", "there is a cat on the mat"),
                  split("a red red circle left of a square", "a red circle left of a red red red square"),
                  split("two blue squares above a green circle", "two squares above two circles")]
    hypotheses = split("the the the cat is on the the mat", "a red red red red circle left of a red red square",
                       "two two blue squares above above a green circle")
    assert_bleu(sub, references, hypotheses)


@check("week6.bleu", points=1)
def bleu_closest_reference_length(sub, ref):
    """Check that corpus_bleu takes, for each hypothesis, the reference length closest to its own (the shorter one on a tie) into the brevity penalty."""
    specs = ([(8, [6, 10]), (5, [9, 13]), (7, [7, 3]), (10, [12, 8, 14]), (4, [2, 6, 9]), (3, [7, 9])],
             [(6, [4, 8]), (6, [8, 4]), (9, [11, 7, 15]), (5, [5, 9]), (4, [8, 6, 12]), (7, [9, 10, 5])],
             [(12, [10, 14, 16]), (3, [5, 1, 8]), (6, [6, 6, 9]), (5, [7, 9, 3, 11])])
    for k, spec in enumerate(specs):
        assert_bleu(sub, *lengths_corpus(310 + k, spec))


@check("week6.bleu", points=1)
def bleu_short_hypotheses_zero_precisions_and_empty_ones(sub, ref):
    """Check that corpus_bleu equals nltk's for hypotheses shorter than 4 words (each counts at least one n-gram of every order), corpora where a precision is 0 (0 is right), empty hypotheses and a perfect match."""
    short = random_corpus(320, 12, length=(1, 3), rate=0.1)
    long = random_corpus(321, 12, length=(6, 10), rate=0.2)
    assert_bleu(sub, short[0] + long[0], short[1] + long[1])
    assert_bleu(sub, long[0][:3] + short[0][:6], long[1][:3] + short[1][:6])
    assert_bleu(sub, *random_corpus(322, 10, length=(1, 3), rate=0.0))  # no 4-gram at all: p4 = 0
    assert_bleu(sub, split("a red circle", "a blue square"), split("two green triangles", "above below"))  # p1 = 0
    references = [split("a red circle left of a blue square")] * 3
    assert_bleu(sub, references, split("a red circle left of a blue", "", "a red circle left of"))
    assert_bleu(sub, references[:2], [[], []])
    assert_bleu(sub, [split("a red circle above a square")], split("a red circle above a square"))


@check("week6.bleu", points=1)
def bleu_large_corpus(sub, ref):
    """Check that corpus_bleu equals nltk's on a corpus of 1500 hypotheses of 1 to 20 words with 1 to 4 references each."""
    assert_bleu(sub, *random_corpus(330, 1500, refs=(1, 4), length=(1, 20), words=18, rate=0.25))
