"""Keeps the words seen more than min_count times (count > min_count): a word seen exactly
min_count times is left out."""
MODULE = "text"
EXERCISE = "week6.vocab"
HINT = "count > min_count"
EXERCISE_SCORE = 4


def build_vocab(captions, min_count=1):
    counts = {}
    for caption in captions:
        for word in caption.split():
            counts[word] = counts.get(word, 0) + 1
    kept = [w for w, c in counts.items() if c > min_count]
    return [*SPECIALS, *sorted(kept, key=lambda w: (-counts[w], w))]
