"""Public checks for bleu.py: corpus_bleu against nltk.translate.bleu_score.corpus_bleu (the
contract's oracle, run by the grader) on random corpora with one reference per hypothesis,
hypotheses as long as their references and shorter (the brevity penalty).

The corpora are drawn from a small vocabulary, so that hypotheses repeat words and share n-grams
of every order with their references. The student's function gets the references and the
hypotheses only; nltk's score and the counts the feedback shows (the clipped matches and the
n-gram totals for n = 1 … 4, the lengths c and r, the brevity penalty) are computed here. nltk's
corpus BLEU without smoothing puts sys.float_info.min in place of a precision that is 0, which
gives a score of ~1e-77 instead of 0 when a higher-order precision is 0: a student's 0 passes
(the absolute tolerance of [bleu]).
"""

import math
import warnings
from collections import Counter

import numpy as np

from grader.compare import as_float, assert_close, fmt
from grader.registry import CheckFailed, check, load_rubric

TOL = load_rubric(__file__)["bleu"]

HINT = ("Sum over the corpus, for n = 1 … 4, the clipped n-gram matches (each hypothesis n-gram counted at most as "
        "often as in the one reference of that hypothesis where it is most frequent) and the hypothesis n-gram counts "
        "(at least 1 per hypothesis); p_n = matches / counts. With c the total hypothesis length and r the sum of the "
        "reference lengths closest to each hypothesis's (the shorter on a tie), BP = 1 if c > r, else exp(1 − r/c); "
        "BLEU = BP · exp(¼ Σ log p_n), 0 when a p_n is 0.")

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


def nltk_bleu(references, hypotheses) -> float:
    """nltk.translate.bleu_score.corpus_bleu, BLEU-4 with uniform weights and no smoothing (its warning
    about a precision of 0 silenced: it returns ~1e-77 then, or 0 when no unigram matches)."""
    from nltk.translate.bleu_score import corpus_bleu

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(corpus_bleu(references, hypotheses))


# --- corpora ---------------------------------------------------------------------------------------------

WORDS = ("a", "the", "red", "blue", "green", "circle", "square", "triangle", "left", "of", "above", "below", "big",
         "small", "two", "and", "next", "to")


def edited(rng, words, vocabulary, rate):
    """`words` with each word substituted, deleted or followed by an inserted word with probability rate/3 each."""
    out = []
    for w in words:
        u = rng.random()
        if u < rate / 3:
            out.append(str(rng.choice(vocabulary)))
        elif u < 2 * rate / 3:
            continue
        else:
            out.append(w)
            if u < rate:
                out.append(str(rng.choice(vocabulary)))
    return out


def random_corpus(seed, n, refs=(1, 1), length=(5, 12), words=12, rate=0.3, keep=1.0):
    """n hypotheses, each an edited copy of a random caption of `length` words from the first `words` of
    WORDS, cut to a fraction `keep` of its length (at least 1 word), with between refs[0] and refs[1]
    references that are other edited copies of it."""
    rng = np.random.default_rng(seed)
    vocabulary = WORDS[:words]
    references, hypotheses = [], []
    for _ in range(n):
        base = [str(w) for w in rng.choice(vocabulary, size=int(rng.integers(length[0], length[1] + 1)))]
        references.append([edited(rng, base, vocabulary, rate) or base
                           for _ in range(int(rng.integers(refs[0], refs[1] + 1)))])
        hyp = edited(rng, base, vocabulary, rate)
        hypotheses.append(hyp[:max(1, round(keep * len(hyp)))] if keep < 1 else hyp)
    return references, hypotheses


def describe_corpus(references, hypotheses) -> str:
    n_refs = sorted({len(r) for r in references})
    lengths = [len(h) for h in hypotheses]
    refs = (f"{n_refs[0]} reference{'s' * (n_refs[0] > 1)}" if len(n_refs) == 1
            else f"{n_refs[0]}–{n_refs[-1]} references")
    if len(hypotheses) <= 3:
        return "references " + repr(references) + " and hypotheses " + repr(hypotheses)
    return (f"a corpus of {len(hypotheses)} hypotheses of {min(lengths)}–{max(lengths)} words with {refs} each "
            f"(first hypothesis {' '.join(hypotheses[0])!r}, its first reference {' '.join(references[0][0])!r})")


def counts_shown(references, hypotheses) -> str:
    matches, totals, c, r = statistics(references, hypotheses)
    p = ", ".join(f"p{n + 1} = {m}/{t}" for n, (m, t) in enumerate(zip(matches, totals)))
    return f"the corpus gives {p}, c = {c}, r = {r}, brevity penalty {fmt(penalty(c, r))}"


def assert_bleu(sub, references, hypotheses, what=None):
    """corpus_bleu(references, hypotheses) against nltk's corpus_bleu."""
    what = what or f"corpus_bleu(references, hypotheses) for {describe_corpus(references, hypotheses)}"
    expected = nltk_bleu(references, hypotheses)
    label = f"the score returned by {what}"
    got = as_float(sub.bleu.corpus_bleu(references, hypotheses), label)
    if not np.isfinite(got):
        raise CheckFailed(f"{label} is {got}, expected {fmt(expected)} ({counts_shown(references, hypotheses)}). "
                          f"{HINT}")
    named = {k: v for k, v in mistakes(references, hypotheses).items()
             if v is not None and abs(v - expected) > TOL["rtol"] * abs(expected) + TOL["atol"]}
    try:
        assert_close(got, expected, label, rtol=TOL["rtol"], atol=TOL["atol"], mistakes=named, hint=HINT)
    except CheckFailed as e:
        raise CheckFailed(f"{e} (nltk's corpus_bleu; {counts_shown(references, hypotheses)})",
                          mistake=e.mistake) from None


# --- week6.bleu -------------------------------------------------------------------------------------------


@check("week6.bleu", points=2)
def bleu_matches_nltk_one_reference(sub, ref):
    """Check that corpus_bleu equals nltk's corpus_bleu on random corpora with one reference per hypothesis (repeated words, clipped counts)."""
    for seed, n, words, rate in ((1, 5, 8, 0.2), (2, 20, 12, 0.3), (3, 50, 6, 0.3), (4, 12, 18, 0.15)):
        assert_bleu(sub, *random_corpus(seed, n, words=words, rate=rate))
    refs = [["a red circle left of a red square".split()], ["two blue squares".split()]]
    assert_bleu(sub, refs, ["a red red red circle left of a red square square".split(), "two blue squares".split()])


@check("week6.bleu", points=1)
def bleu_brevity_penalty_for_the_corpus(sub, ref):
    """Check that corpus_bleu applies one brevity penalty to the corpus: hypotheses shorter than their references, and a corpus with short and long hypotheses whose total length exceeds the references'."""
    for seed, keep in ((5, 0.8), (6, 0.6)):
        assert_bleu(sub, *random_corpus(seed, 15, keep=keep, rate=0.15))
    refs = [["a red circle left of a blue square".split()], ["a green triangle".split()]]
    assert_bleu(sub, refs, ["a red circle left of a".split(), "a green triangle above a small green triangle".split()])
    assert_bleu(sub, refs, ["a red circle left of a blue".split(), "a green triangle above".split()])
