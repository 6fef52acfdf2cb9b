"""Every hypothesis n-gram that appears in a reference counts as a match, however often the
hypothesis repeats it: "the the the the" scores a unigram precision of 1."""
MODULE = "bleu"
EXERCISE = "week6.bleu"
HINT = "n-gram matches not clipped"
EXERCISE_SCORE = 0


def corpus_bleu(references, hypotheses):
    matches, totals = [0] * 4, [0] * 4
    hyp_length = ref_length = 0
    for refs, hyp in zip(references, hypotheses):
        for n in range(1, 5):
            counts = Counter(tuple(hyp[i:i + n]) for i in range(len(hyp) - n + 1))
            seen = set()
            for ref in refs:
                seen |= {tuple(ref[i:i + n]) for i in range(len(ref) - n + 1)}
            matches[n - 1] += sum(c for g, c in counts.items() if g in seen)
            totals[n - 1] += max(1, sum(counts.values()))
        hyp_length += len(hyp)
        ref_length += min((len(r) for r in refs), key=lambda length: (abs(length - len(hyp)), length))
    if min(matches) == 0:
        return 0.0
    penalty = 1.0 if hyp_length > ref_length else math.exp(1 - ref_length / hyp_length)
    return penalty * math.exp(sum(math.log(m / t) for m, t in zip(matches, totals)) / 4)
