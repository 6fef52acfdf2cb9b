"""Counter.most_common orders the words by count, but words seen equally often stay in the order
they first appear in the captions instead of alphabetical order."""
MODULE = "text"
EXERCISE = "week6.vocab"
HINT = "words seen equally often left in the order they first appear (Counter.most_common)"
EXERCISE_SCORE = 4

from collections import Counter


def build_vocab(captions, min_count=1):
    counts = Counter(word for caption in captions for word in caption.split())
    return [*SPECIALS, *(w for w, c in counts.most_common() if c >= min_count)]
