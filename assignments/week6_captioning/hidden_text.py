"""Hidden checks for text.py: other corpora (other words, many of them seen equally often, words
that are prefixes of others, every kind of whitespace, empty captions), min_count above 1 with
rare words and above every count, max_len 0 and 1, captions longer and shorter than max_len,
vocabularies built from other captions, and rows to decode given as lists and as arrays of
several integer dtypes, with <pad> and <start> anywhere, no <end> or an <end> first."""

import numpy as np

from grader.registry import check

from .public_text import (END, PAD, START, WORDS, assert_decoding, assert_encoding, assert_vocab, encoding_of,
                          random_counts, tied_corpus, vocab_of)

# Words of other captions (none of the public ones), some prefixes of others.
OTHER_WORDS = ("dog", "dogs", "cat", "cats", "runs", "run", "on", "grass", "in", "park", "with", "ball", "man", "men",
               "woman", "sits", "bench", "near", "water", "white", "black", "brown", "small", "large", "an", "old",
               "tree", "under", "sky", "blue", "bird", "birds", "fly", "over", "house")
# Whitespace of every kind between, before and after words, and empty captions.
RAGGED = ["a dog  runs\ton the grass", "  a black cat sits near a dog ", "", "a\nman\n", "a dog", "   ",
          "an old man and a dog run in a park", "a black dog\t\tand a white cat"]


@check("week6.vocab", points=1)
def vocab_on_other_corpora(sub, ref):
    """Check that build_vocab is right on other corpora: many words seen equally often, words that are prefixes of others, any whitespace, empty captions, min_count from 1 to above every count."""
    for k, (high, n_captions) in enumerate(((3, 40), (2, 25), (6, 60))):
        captions = tied_corpus(random_counts(OTHER_WORDS, seed=200 + k, high=high), n_captions, seed=210 + k)
        for min_count in (1, 2, high):
            assert_vocab(sub, captions, min_count)
    for min_count in (1, 2, 3):
        assert_vocab(sub, RAGGED, min_count)
    assert_vocab(sub, ["the"], 1)
    assert_vocab(sub, ["", " "], 1)
    assert_vocab(sub, tied_corpus(random_counts(WORDS, seed=220), 15, seed=221), 6)


@check("week6.vocab", points=1)
def encode_and_decode_edge_cases(sub, ref):
    """Check that encode_captions is right for max_len 0 and 1, empty captions, any whitespace and vocabularies built from other captions, and that decode_caption is right for rows with <pad> and <start> anywhere, no <end>, an <end> first, and ids of several integer dtypes."""
    corpus = tied_corpus(random_counts(OTHER_WORDS, seed=230, high=4), 30, seed=231)
    vocab = vocab_of(corpus, 2)
    for max_len in (0, 1, 2, 6, 20):
        assert_encoding(sub, RAGGED, vocab, max_len)
    assert_encoding(sub, corpus[:12], vocab_of(corpus[12:], 1), 7)
    assert_encoding(sub, ["a red circle"], vocab_of(["a red circle"], 1), 3)

    vocab = vocab_of(RAGGED + corpus, 1)
    index = {w: i for i, w in enumerate(vocab)}
    words = [index[w] for w in "a black dog and a white cat sits on the grass".split()]
    rows = [[], [END], [START, END], [PAD, PAD, PAD], [END, *words], [START, *words],
            [START, *words[:3], PAD, *words[3:6], END, *words[6:]], [*words[:2], START, *words[2:4], PAD, END, PAD],
            [START, *words, END, START, *words[:2], END], [PAD, START, *words[:5], PAD, PAD, END, END]]
    dtypes = (np.int64, np.int32, np.int16, np.uint8, np.uint16, np.intp)
    for k, row in enumerate(rows):
        assert_decoding(sub, row, vocab)
        assert_decoding(sub, np.array(row, dtype=dtypes[k % len(dtypes)]), vocab)
    for row in encoding_of(RAGGED, vocab, 6):  # rows as encode_captions makes them
        assert_decoding(sub, row, vocab)
