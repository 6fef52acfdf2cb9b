"""Every word of every caption is encoded: the rows are as long as the longest caption needs
instead of max_len + 2, and no caption is cut to its first max_len words."""
MODULE = "text"
EXERCISE = "week6.vocab"
HINT = "no truncation to max_len words"
EXERCISE_SCORE = 5


def encode_captions(captions, vocab, max_len):
    index = {word: i for i, word in enumerate(vocab)}
    words = [caption.split() for caption in captions]
    width = max([max_len, *(len(w) for w in words)]) + 2
    ids = np.full((len(captions), width), PAD, dtype=np.int64)
    for row, ws in zip(ids, words):
        row[0] = START
        row[1:len(ws) + 1] = [index.get(w, UNK) for w in ws]
        row[len(ws) + 1] = END
    return ids
