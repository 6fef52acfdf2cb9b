"""The mean of the hypotheses' sentence-level BLEU scores instead of one score from the counts
summed over the corpus (a short hypothesis with no 4-gram match scores 0 and drags the mean down)."""
MODULE = "bleu"
EXERCISE = "week6.bleu"
HINT = "averaging sentence-level BLEU scores instead of summing the counts over the corpus"
EXERCISE_SCORE = 0

_corpus_bleu = corpus_bleu


def corpus_bleu(references, hypotheses):
    scores = [_corpus_bleu([refs], [hyp]) for refs, hyp in zip(references, hypotheses)]
    return sum(scores) / len(scores)
