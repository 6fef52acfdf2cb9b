"""Public checks for bleu.py: corpus_bleu against nltk.translate.bleu_score.corpus_bleu (the
contract's oracle, run by the grader) on random corpora with one reference per hypothesis,
hypotheses as long as their references and shorter (the brevity penalty).

The corpora are drawn from a small vocabulary, so that hypotheses repeat words and share n-grams
of every order with their references. The student's function gets the references and the
hypotheses only; nltk gives the score it is compared with, and a failure shows the corpus, both
scores and the contract's recipe (HINT). The hidden checks add the counts behind the score and
name the known mistakes. nltk's corpus BLEU without smoothing puts sys.float_info.min in place of
a precision that is 0, which gives a score of ~1e-77 instead of 0 when a higher-order precision
is 0: a student's 0 passes (the absolute tolerance of [bleu]).
"""
import warnings

import numpy as np

from grader.compare import as_float, assert_close, fmt
from grader.registry import CheckFailed, check, load_rubric

TOL = load_rubric(__file__)["bleu"]

HINT = ("Sum over the corpus, for n = 1 … 4, the clipped n-gram matches (each hypothesis n-gram counted at most as "
        "often as in the one reference of that hypothesis where it is most frequent) and the hypothesis n-gram counts "
        "(at least 1 per hypothesis); p_n = matches / counts. With c the total hypothesis length and r the sum of the "
        "reference lengths closest to each hypothesis's (the shorter on a tie), BP = 1 if c > r, else exp(1 − r/c); "
        "BLEU = BP · exp(¼ Σ log p_n), 0 when a p_n is 0.")


# --- the oracle --------------------------------------------------------------------------------------------


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


def assert_bleu(sub, references, hypotheses, what=None, mistakes=None, detail=""):
    """corpus_bleu(references, hypotheses) against nltk's corpus_bleu; `mistakes` ({label: score}) gives the
    known mistakes to name, `detail` what the feedback adds after nltk's name."""
    what = what or f"corpus_bleu(references, hypotheses) for {describe_corpus(references, hypotheses)}"
    expected = nltk_bleu(references, hypotheses)
    label = f"the score returned by {what}"
    got = as_float(sub.bleu.corpus_bleu(references, hypotheses), label)
    source = f"nltk's corpus_bleu{'; ' + detail if detail else ''}"
    if not np.isfinite(got):
        raise CheckFailed(f"{label} is {got}, expected {fmt(expected)} ({source}). {HINT}")
    try:
        assert_close(got, expected, label, rtol=TOL["rtol"], atol=TOL["atol"], mistakes=mistakes)
    except CheckFailed as e:
        raise CheckFailed(f"{str(e).rstrip('.')} ({source})." + ("" if e.mistake else f" {HINT}"),
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
