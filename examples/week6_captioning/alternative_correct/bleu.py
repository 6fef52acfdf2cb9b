"""Corpus BLEU-4 written another way: words mapped to integers and n-grams counted with NumPy
(np.unique over the rows of a sliding window), the counts summed in a float array, the geometric
mean as the fourth root of the product of the precisions; the score is a NumPy float."""

import numpy as np


def _ngram_counts(ids, n):
    """{n-gram as a tuple of ints: count} of a sequence of word ids."""
    if len(ids) < n:
        return {}
    windows = np.lib.stride_tricks.sliding_window_view(np.asarray(ids, dtype=np.int64), n)
    grams, counts = np.unique(windows, axis=0, return_counts=True)
    return {tuple(g): int(c) for g, c in zip(grams.tolist(), counts)}


def corpus_bleu(references, hypotheses):
    index = {}

    def ids(words):
        return [index.setdefault(w, len(index)) for w in words]

    matched = np.zeros(4)
    counted = np.zeros(4)
    c = r = 0.0
    for refs, hyp in zip(references, hypotheses):
        h = ids(hyp)
        rs = [ids(ref) for ref in refs]
        for n in range(1, 5):
            mine = _ngram_counts(h, n)
            theirs = [_ngram_counts(x, n) for x in rs]
            for gram, k in mine.items():
                matched[n - 1] += min(k, max(t.get(gram, 0) for t in theirs))
            counted[n - 1] += max(1, len(h) - n + 1)
        lengths = sorted(len(x) for x in rs)  # ascending: the first of two equally close is the shorter
        best = lengths[0]
        for length in lengths[1:]:
            if abs(length - len(h)) < abs(best - len(h)):
                best = length
        c += len(h)
        r += best
    if np.any(matched == 0):
        return np.float64(0.0)
    bp = np.float64(1.0) if c > r else np.exp(1.0 - r / c)
    return bp * np.prod(matched / counted) ** 0.25
