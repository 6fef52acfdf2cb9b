"""The vocabulary, the encoding and the decoding written another way: words counted by NumPy
(np.unique sorts them alphabetically, a stable sort on the counts keeps that order among equal
counts), so the vocabulary holds NumPy strings; rows of ids built as Python lists and returned as
an int32 array; decoding with a while loop and string concatenation."""

import numpy as np

SPECIALS = ["<pad>", "<unk>", "<start>", "<end>"]


def build_vocab(captions, min_count=1):
    words = np.array([w for caption in captions for w in caption.split()], dtype=str)
    unique, counts = np.unique(words, return_counts=True)  # alphabetical
    order = np.argsort(-counts, kind="stable")  # most frequent first, ties stay alphabetical
    unique, counts = unique[order], counts[order]
    return SPECIALS + list(unique[counts >= min_count])


def encode_captions(captions, vocab, max_len):
    lookup = {}
    for i in range(len(vocab) - 1, -1, -1):
        lookup[vocab[i]] = i
    rows = []
    for caption in captions:
        row = [2]
        for word in caption.split():
            if len(row) == max_len + 1:
                break
            row.append(lookup[word] if word in lookup else 1)
        row.append(3)
        while len(row) < max_len + 2:
            row.append(0)
        rows.append(row)
    return np.array(rows, dtype=np.int32).reshape(len(captions), max_len + 2)


def decode_caption(ids, vocab):
    ids = list(ids)
    text, k = "", 0
    while k < len(ids) and ids[k] != 3:
        if ids[k] > 3:
            text = vocab[ids[k]] if not text else text + " " + vocab[ids[k]]
        k += 1
    return text
