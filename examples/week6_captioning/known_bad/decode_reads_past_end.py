"""Leaves every special token out but does not stop at <end>: the words written after it are
read too."""
MODULE = "text"
EXERCISE = "week6.vocab"
HINT = "reading on after <end> instead of stopping at the first <end>"
EXERCISE_SCORE = 5


def decode_caption(ids, vocab):
    return " ".join(vocab[int(i)] for i in ids if int(i) >= len(SPECIALS))
