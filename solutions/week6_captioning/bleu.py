"""Corpus BLEU-4, the usual score of generated captions against human ones, in plain Python.

BLEU compares each hypothesis (a generated caption, as a list of words) with its
references (one or more captions of the same image). For n = 1 … 4 it counts the
hypothesis's n-grams that appear in a reference, each n-gram counted at most as often as
it appears in the reference where it is most frequent ("clipped" counts), and divides the
total over the corpus by the total number of hypothesis n-grams. The score is the
geometric mean of these four precisions times a brevity penalty for a corpus of
hypotheses shorter than their references.
"""

import math
from collections import Counter


def corpus_bleu(references, hypotheses):
    """Corpus-level BLEU-4 with uniform weights and no smoothing.

    Sums over the corpus, for n = 1 … 4:

    - the clipped n-gram matches of each hypothesis (each n-gram's count capped at its
      largest count in any one of that hypothesis's references);
    - the hypothesis's n-gram count, but at least 1 for every hypothesis (a hypothesis
      shorter than n words counts 1), as ``nltk.translate.bleu_score.corpus_bleu`` does.

    p_n is the ratio of the two sums. With c the total hypothesis length and r the sum,
    over hypotheses, of the length of the reference closest in length to it (the shorter
    one on a tie), the brevity penalty is 1 when c > r, 0 when c = 0, else exp(1 − r/c).
    BLEU = BP · exp(¼ Σ log p_n); it is 0 when a precision is 0.

    Args:
        references: a list with, for each hypothesis, a list of references, each a list
            of words (strings).
        hypotheses: a list of hypotheses, each a list of words.

    Returns:
        The score, a float in [0, 1].
    """
    ### BEGIN SOLUTION week6.bleu
    matches, totals = [0] * 4, [0] * 4
    hyp_length = ref_length = 0
    for refs, hyp in zip(references, hypotheses):
        for n in range(1, 5):
            counts = Counter(tuple(hyp[i:i + n]) for i in range(len(hyp) - n + 1))
            most = Counter()
            for ref in refs:
                most |= Counter(tuple(ref[i:i + n]) for i in range(len(ref) - n + 1))
            matches[n - 1] += sum(min(c, most[g]) for g, c in counts.items())
            totals[n - 1] += max(1, sum(counts.values()))
        hyp_length += len(hyp)
        ref_length += min((len(r) for r in refs), key=lambda length: (abs(length - len(hyp)), length))
    if min(matches) == 0:
        return 0.0
    penalty = 1.0 if hyp_length > ref_length else math.exp(1 - ref_length / hyp_length)
    return penalty * math.exp(sum(math.log(m / t) for m, t in zip(matches, totals)) / 4)
    ### END SOLUTION
