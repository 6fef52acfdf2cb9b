"""Hidden checks for bleu.py, against nltk's corpus_bleu as the public ones: several references per
hypothesis (clipping by the reference where an n-gram is most frequent), the closest reference
length with ties (the shorter wins), hypotheses shorter than 4 words (each counts at least one
n-gram of every order), precisions of 0 (nltk's ~1e-77 and a student's 0 both pass), empty
hypotheses, a hypothesis equal to its reference, and a large corpus.

nltk stays the oracle; the grader's own counts below (they stay with the instructor) give the
feedback the clipped matches, the n-gram totals, c, r and the brevity penalty of a corpus, and the
score each known mistake would give, so that the feedback can name it."""

import math
from collections import Counter

import numpy as np

from grader.compare import fmt
from grader.registry import check, load_rubric

from .public_bleu import WORDS, assert_bleu, nltk_bleu, random_corpus

TOL = load_rubric(__file__)["bleu"]

# Known mistakes, by the feedback's words for them.
UNCLIPPED = ("n-gram matches not clipped (a hypothesis n-gram counted as often as it appears, not capped by the "
             "references)")
CLIP_SUM = "matches clipped by the sum of the references' counts instead of the largest count in one reference"
FIRST_REFERENCE = "using the first reference only"
SENTENCE_AVERAGE = "averaging sentence-level BLEU scores instead of summing the counts over the corpus"
SHORTEST = "the brevity penalty from the shortest reference instead of the one closest in length to the hypothesis"
LONGEST = "the brevity penalty from the longest reference instead of the one closest in length to the hypothesis"
AVERAGE = "the brevity penalty from the average reference length instead of the one closest to the hypothesis's"
TIES_LONGER = "the longer reference on a tie for the closest length (the shorter one counts)"
BP_PER_SENTENCE = "a brevity penalty per sentence, averaged, instead of one for the corpus (from the sums c and r)"
NO_BP = "leaving out the brevity penalty"
SHORT_LEFT_OUT = ("hypotheses shorter than n words left out of the n-gram counts (nltk counts at least 1 n-gram for "
                  "every hypothesis: max(1, count))")
ARITHMETIC = "the arithmetic mean of the four precisions instead of the geometric mean"


# --- the grader's own counts (for the feedback and the known mistakes); nltk is the oracle -------------


def ngrams(words, n) -> Counter:
    return Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))


def closest_length(refs, c, rule="closest"):
    lengths = [len(r) for r in refs]
    if rule == "shortest":
        return min(lengths)
    if rule == "longest":
        return max(lengths)
    if rule == "average":
        return sum(lengths) / len(lengths)
    if rule == "ties longer":
        return min(lengths, key=lambda r: (abs(r - c), -r))
    return min(lengths, key=lambda r: (abs(r - c), r))


def statistics(references, hypotheses, clip="max", min_one=True, ref_rule="closest", first_only=False):
    """(matches[4], totals[4], c, r) of a corpus; the keyword arguments give the known mistakes' instead."""
    matches, totals, c, r = [0] * 4, [0] * 4, 0, 0
    for refs, hyp in zip(references, hypotheses):
        refs = refs[:1] if first_only else refs
        for n in range(1, 5):
            counts = ngrams(hyp, n)
            ref_counts = [ngrams(ref, n) for ref in refs]
            for gram, k in counts.items():
                if clip == "max":
                    matches[n - 1] += min(k, max(rc[gram] for rc in ref_counts))
                elif clip == "sum":
                    matches[n - 1] += min(k, sum(rc[gram] for rc in ref_counts))
                else:
                    matches[n - 1] += k if any(rc[gram] for rc in ref_counts) else 0
            totals[n - 1] += max(1, sum(counts.values())) if min_one else sum(counts.values())
        c += len(hyp)
        r += closest_length(refs, len(hyp), ref_rule)
    return matches, totals, c, r


def penalty(c, r) -> float:
    return 1.0 if c > r else 0.0 if c == 0 else math.exp(1 - r / c)


def score(matches, totals, c, r, mean="geometric", bp=True):
    """BLEU from the counts; None where the formula is undefined (an n-gram count of 0)."""
    if min(matches) == 0:
        return 0.0
    if min(totals) == 0:
        return None
    p = [m / t for m, t in zip(matches, totals)]
    avg = math.exp(sum(math.log(x) for x in p) / 4) if mean == "geometric" else sum(p) / 4
    return (penalty(c, r) if bp else 1.0) * avg


def mistakes(references, hypotheses) -> dict:
    """The score each known mistake gives on this corpus (None where it gives none)."""
    def stats(**kw):
        return statistics(references, hypotheses, **kw)

    def sentences(fn):
        values = [fn([refs], [hyp]) for refs, hyp in zip(references, hypotheses)]
        return None if any(v is None for v in values) or not values else sum(values) / len(values)

    matches, totals, c, r = stats()
    per_sentence = sentences(lambda R, H: penalty(*statistics(R, H)[2:]))
    precision = score(matches, totals, 1, 0)
    return {UNCLIPPED: score(*stats(clip=None)), CLIP_SUM: score(*stats(clip="sum")),
            FIRST_REFERENCE: score(*stats(first_only=True)),
            SENTENCE_AVERAGE: sentences(lambda R, H: score(*statistics(R, H))),
            SHORTEST: score(*stats(ref_rule="shortest")), LONGEST: score(*stats(ref_rule="longest")),
            AVERAGE: score(*stats(ref_rule="average")), TIES_LONGER: score(*stats(ref_rule="ties longer")),
            BP_PER_SENTENCE: None if precision is None or per_sentence is None else per_sentence * precision,
            NO_BP: score(matches, totals, c, r, bp=False), SHORT_LEFT_OUT: score(*stats(min_one=False)),
            ARITHMETIC: score(matches, totals, c, r, mean="arithmetic")}


def bleu_of(references, hypotheses) -> float:
    """The contract's BLEU from the grader's counts (0 where a precision is 0, where nltk gives ~1e-77)."""
    return score(*statistics(references, hypotheses))


def counts_shown(references, hypotheses) -> str:
    matches, totals, c, r = statistics(references, hypotheses)
    p = ", ".join(f"p{n + 1} = {m}/{t}" for n, (m, t) in enumerate(zip(matches, totals)))
    return f"the corpus gives {p}, c = {c}, r = {r}, brevity penalty {fmt(penalty(c, r))}"


def judge_bleu(sub, references, hypotheses):
    """corpus_bleu(references, hypotheses) against nltk's, with the corpus's counts in the feedback and the
    known mistakes that change the score on this corpus named."""
    expected = nltk_bleu(references, hypotheses)
    named = {k: v for k, v in mistakes(references, hypotheses).items()
             if v is not None and abs(v - expected) > TOL["rtol"] * abs(expected) + TOL["atol"]}
    assert_bleu(sub, references, hypotheses, mistakes=named, detail=counts_shown(references, hypotheses))


# --- corpora ---------------------------------------------------------------------------------------------


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
        judge_bleu(sub, *random_corpus(seed, n, refs=refs, words=10, rate=0.3))
    references = [split("the cat is on the mat", "there is a cat on the mat"),
                  split("a red red circle left of a square", "a red circle left of a red red red square"),
                  split("two blue squares above a green circle", "two squares above two circles")]
    hypotheses = split("the the the cat is on the the mat", "a red red red red circle left of a red red square",
                       "two two blue squares above above a green circle")
    judge_bleu(sub, references, hypotheses)


@check("week6.bleu", points=1)
def bleu_closest_reference_length(sub, ref):
    """Check that corpus_bleu takes, for each hypothesis, the reference length closest to its own (the shorter one on a tie) into the brevity penalty."""
    specs = ([(8, [6, 10]), (5, [9, 13]), (7, [7, 3]), (10, [12, 8, 14]), (4, [2, 6, 9]), (3, [7, 9])],
             [(6, [4, 8]), (6, [8, 4]), (9, [11, 7, 15]), (5, [5, 9]), (4, [8, 6, 12]), (7, [9, 10, 5])],
             [(12, [10, 14, 16]), (3, [5, 1, 8]), (6, [6, 6, 9]), (5, [7, 9, 3, 11])])
    for k, spec in enumerate(specs):
        judge_bleu(sub, *lengths_corpus(310 + k, spec))


@check("week6.bleu", points=1)
def bleu_short_hypotheses_zero_precisions_and_empty_ones(sub, ref):
    """Check that corpus_bleu equals nltk's for hypotheses shorter than 4 words (each counts at least one n-gram of every order), corpora where a precision is 0 (0 is right), empty hypotheses and a perfect match."""
    short = random_corpus(320, 12, length=(1, 3), rate=0.1)
    long = random_corpus(321, 12, length=(6, 10), rate=0.2)
    judge_bleu(sub, short[0] + long[0], short[1] + long[1])
    judge_bleu(sub, long[0][:3] + short[0][:6], long[1][:3] + short[1][:6])
    judge_bleu(sub, *random_corpus(322, 10, length=(1, 3), rate=0.0))  # no 4-gram at all: p4 = 0
    judge_bleu(sub, split("a red circle", "a blue square"), split("two green triangles", "above below"))  # p1 = 0
    references = [split("a red circle left of a blue square")] * 3
    judge_bleu(sub, references, split("a red circle left of a blue", "", "a red circle left of"))
    judge_bleu(sub, references[:2], [[], []])
    judge_bleu(sub, [split("a red circle above a square")], split("a red circle above a square"))


@check("week6.bleu", points=1)
def bleu_large_corpus(sub, ref):
    """Check that corpus_bleu equals nltk's on a corpus of 1500 hypotheses of 1 to 20 words with 1 to 4 references each."""
    judge_bleu(sub, *random_corpus(330, 1500, refs=(1, 4), length=(1, 20), words=18, rate=0.25))
