"""Hidden checks for text.py: other corpora (other words, many of them seen equally often, words
that are prefixes of others, every kind of whitespace, empty captions), min_count above 1 with
rare words and above every count, max_len 0 and 1, captions longer and shorter than max_len,
vocabularies built from other captions, and rows to decode given as lists and as arrays of
several integer dtypes, with <pad> and <start> anywhere, no <end> or an <end> first.

Their expected results come from the grader's own implementation of the contract, below (it stays
with the instructor: the public checks compare with results written out by hand), which also gives
what each known mistake would return, so that the feedback can name it."""

from collections import Counter

import numpy as np

from grader.registry import check

from .public_text import END, PAD, SPECIALS, START, UNK, assert_decoding, assert_encoding, assert_vocab

# Known mistakes, by the feedback's words for them.
TIES_FIRST_SEEN = ("words seen equally often left in the order they first appear (Counter.most_common) instead of "
                   "alphabetical order")
TIES_REVERSED = "words seen equally often in reverse alphabetical order (one sort by (count, word), reversed)"
EXCLUSIVE = "keeping the words seen more than min_count times (count > min_count) instead of at least min_count times"
NO_SPECIALS = "leaving out the special tokens '<pad>', '<unk>', '<start>', '<end>' that must take ids 0–3"
SPECIALS_LAST = "putting the special tokens after the words instead of at ids 0–3"
ALPHABETICAL = "the words in alphabetical order instead of the most frequent first"
LEAST_FIRST = "the least frequent words first instead of the most frequent"
KEEPS_LAST = "keeping the last max_len words of a longer caption instead of the first max_len"
END_LAST_COLUMN = "<end> in the last column, after the padding, instead of right after the words"
NO_END_WHEN_CUT = "no <end> after a caption cut to max_len words (its words fill the row instead)"
UNK_AS_PAD = "unknown words encoded as <pad> (0) instead of <unk> (1)"
UNK_DROPPED = "unknown words left out instead of encoded as <unk> (1)"
PADDED_WITH_END = "padding with <end> (3) instead of <pad> (0)"
NOT_STOPPING = "reading on after <end> instead of stopping at the first <end>"
KEEPS_SPECIALS = "keeping the special tokens in the caption instead of leaving them out"
STOPS_AT_PAD = "stopping at a <pad> as well as at <end> (a <pad> is left out, and reading goes on)"
DROPS_FIRST = "leaving out the first id whatever it is (a row need not start with <start>)"


# --- the grader's own implementation of the contract ------------------------------------------------


def word_counts(captions) -> Counter:
    return Counter(word for caption in captions for word in caption.split())


def vocab_of(captions, min_count, ties=None, keep=None, order=None, specials="first") -> list[str]:
    """The vocabulary of `captions`; the keyword arguments give the known mistakes instead."""
    counts = word_counts(captions)
    kept = [w for w, c in counts.items() if (keep or (lambda c, m: c >= m))(c, min_count)]
    if order is not None:
        words = order(kept, counts)
    elif ties == "first seen":
        words = sorted(kept, key=lambda w: -counts[w])  # a stable sort keeps the order of first appearance
    elif ties == "reversed":
        words = sorted(kept, key=lambda w: (counts[w], w), reverse=True)
    else:
        words = sorted(kept, key=lambda w: (-counts[w], w))
    return {"first": [*SPECIALS, *words], "none": words, "last": [*words, *SPECIALS]}[specials]


def vocab_mistakes(captions, min_count) -> dict:
    expected = vocab_of(captions, min_count)
    found = {TIES_FIRST_SEEN: vocab_of(captions, min_count, ties="first seen"),
             TIES_REVERSED: vocab_of(captions, min_count, ties="reversed"),
             EXCLUSIVE: vocab_of(captions, min_count, keep=lambda c, m: c > m),
             NO_SPECIALS: vocab_of(captions, min_count, specials="none"),
             SPECIALS_LAST: vocab_of(captions, min_count, specials="last"),
             ALPHABETICAL: vocab_of(captions, min_count, order=lambda kept, counts: sorted(kept)),
             LEAST_FIRST: vocab_of(captions, min_count,
                                   order=lambda kept, counts: sorted(kept, key=lambda w: (counts[w], w)))}
    return {label: v for label, v in found.items() if v != expected}


def encoding_of(captions, vocab, max_len, mistake=None) -> np.ndarray:
    """The rows of ids of `captions` (int64, (N, max_len + 2)); `mistake` gives a known mistake's instead."""
    index = {w: i for i, w in enumerate(vocab)}
    rows = []
    for caption in captions:
        words = caption.split()
        kept = words[-max_len:] if mistake == KEEPS_LAST and max_len > 0 else words[:max_len]
        unknown = {UNK_AS_PAD: PAD}.get(mistake, UNK)
        ids = [index.get(w, unknown) for w in kept]
        if mistake == UNK_DROPPED:
            ids = [index[w] for w in words if w in index][:max_len]
        if mistake == NO_END_WHEN_CUT and len(words) > max_len:
            ids = [index.get(w, UNK) for w in words[:max_len + 1]]
            row = [START, *ids]
        elif mistake == END_LAST_COLUMN:
            row = [START, *ids] + [PAD] * (max_len - len(ids)) + [END]
        else:
            row = [START, *ids, END]
        rows.append(row + [END if mistake == PADDED_WITH_END else PAD] * (max_len + 2 - len(row)))
    return np.array(rows, dtype=np.int64).reshape(len(captions), max_len + 2)


def encoding_mistakes(captions, vocab, max_len) -> dict:
    expected = encoding_of(captions, vocab, max_len)
    found = {m: encoding_of(captions, vocab, max_len, m)
             for m in (KEEPS_LAST, END_LAST_COLUMN, NO_END_WHEN_CUT, UNK_AS_PAD, UNK_DROPPED, PADDED_WITH_END)}
    return {label: v for label, v in found.items() if not np.array_equal(v, expected)}


def decoding_of(ids, vocab, mistake=None) -> list[str]:
    """The words a row of ids spells; `mistake` gives a known mistake's instead."""
    words = []
    for k, i in enumerate(int(i) for i in ids):
        if mistake == DROPS_FIRST and k == 0:
            continue
        if i == END and mistake != NOT_STOPPING:
            break
        if i == PAD and mistake == STOPS_AT_PAD:
            break
        if i >= len(SPECIALS) or mistake == KEEPS_SPECIALS:
            words.append(vocab[i])
    return words


def decoding_mistakes(ids, vocab) -> dict:
    expected = decoding_of(ids, vocab)
    found = {m: decoding_of(ids, vocab, m) for m in (NOT_STOPPING, KEEPS_SPECIALS, STOPS_AT_PAD, DROPS_FIRST)}
    return {label: v for label, v in found.items() if v != expected}


def judge_vocab(sub, captions, min_count):
    """build_vocab(captions, min_count) against the grader's vocabulary, naming a known mistake."""
    assert_vocab(sub, captions, min_count, vocab_of(captions, min_count), word_counts(captions),
                 vocab_mistakes(captions, min_count))


def judge_encoding(sub, captions, vocab, max_len):
    """encode_captions(captions, vocab, max_len) against the grader's rows of ids, naming a known mistake."""
    assert_encoding(sub, captions, vocab, max_len, encoding_of(captions, vocab, max_len),
                    encoding_mistakes(captions, vocab, max_len))


def judge_decoding(sub, ids, vocab):
    """decode_caption(ids, vocab) against the grader's decoding, naming a known mistake."""
    row = [int(i) for i in ids]
    assert_decoding(sub, ids, vocab, " ".join(decoding_of(row, vocab)), decoding_mistakes(row, vocab))


# --- corpora ---------------------------------------------------------------------------------------

WORDS = ("a", "the", "red", "green", "blue", "yellow", "circle", "square", "triangle", "star", "left", "right", "of",
         "above", "below", "big", "small", "and", "two", "one", "next", "to", "near", "far")
# Words of other captions (none of the public ones), some prefixes of others.
OTHER_WORDS = ("dog", "dogs", "cat", "cats", "runs", "run", "on", "grass", "in", "park", "with", "ball", "man", "men",
               "woman", "sits", "bench", "near", "water", "white", "black", "brown", "small", "large", "an", "old",
               "tree", "under", "sky", "blue", "bird", "birds", "fly", "over", "house")
# Whitespace of every kind between, before and after words, and empty captions.
RAGGED = ["a dog  runs\ton the grass", "  a black cat sits near a dog ", "", "a\nman\n", "a dog", "   ",
          "an old man and a dog run in a park", "a black dog\t\tand a white cat"]


def tied_corpus(counts: dict, n_captions: int, seed: int) -> list[str]:
    """Captions holding each word of `counts` exactly that many times, shuffled and cut into
    `n_captions` non-empty captions (many words share a count)."""
    rng = np.random.default_rng(seed)
    words = [w for w, c in counts.items() for _ in range(c)]
    order = rng.permutation(len(words))
    words = [words[i] for i in order]
    cuts = np.sort(rng.choice(np.arange(1, len(words)), size=n_captions - 1, replace=False))
    return [" ".join(words[a:b]) for a, b in zip([0, *cuts], [*cuts, len(words)])]


def random_counts(words, seed, low=1, high=5) -> dict:
    rng = np.random.default_rng(seed)
    return {w: int(c) for w, c in zip(words, rng.integers(low, high + 1, size=len(words)))}


# --- week6.vocab -------------------------------------------------------------------------------------


@check("week6.vocab", points=1)
def vocab_on_other_corpora(sub, ref):
    """Check that build_vocab is right on other corpora: many words seen equally often, words that are prefixes of others, any whitespace, empty captions, min_count from 1 to above every count."""
    for k, (high, n_captions) in enumerate(((3, 40), (2, 25), (6, 60))):
        captions = tied_corpus(random_counts(OTHER_WORDS, seed=200 + k, high=high), n_captions, seed=210 + k)
        for min_count in (1, 2, high):
            judge_vocab(sub, captions, min_count)
    for min_count in (1, 2, 3):
        judge_vocab(sub, RAGGED, min_count)
    judge_vocab(sub, ["the"], 1)
    judge_vocab(sub, ["", " "], 1)
    for seed, n_captions, min_count in ((220, 15, 6), (222, 12, 1), (224, 10, 3)):
        judge_vocab(sub, tied_corpus(random_counts(WORDS, seed=seed), n_captions, seed=seed + 1), min_count)


@check("week6.vocab", points=1)
def encode_and_decode_edge_cases(sub, ref):
    """Check that encode_captions is right for max_len 0 and 1, empty captions, any whitespace and vocabularies built from other captions, and that decode_caption is right for rows with <pad> and <start> anywhere, no <end>, an <end> first, and ids of several integer dtypes."""
    corpus = tied_corpus(random_counts(OTHER_WORDS, seed=230, high=4), 30, seed=231)
    vocab = vocab_of(corpus, 2)
    for max_len in (0, 1, 2, 6, 20):
        judge_encoding(sub, RAGGED, vocab, max_len)
    judge_encoding(sub, corpus[:12], vocab_of(corpus[12:], 1), 7)
    judge_encoding(sub, ["a red circle"], vocab_of(["a red circle"], 1), 3)

    vocab = vocab_of(RAGGED + corpus, 1)
    index = {w: i for i, w in enumerate(vocab)}
    words = [index[w] for w in "a black dog and a white cat sits on the grass".split()]
    rows = [[], [END], [START, END], [PAD, PAD, PAD], [END, *words], [START, *words],
            [START, *words[:3], PAD, *words[3:6], END, *words[6:]], [*words[:2], START, *words[2:4], PAD, END, PAD],
            [START, *words, END, START, *words[:2], END], [PAD, START, *words[:5], PAD, PAD, END, END]]
    dtypes = (np.int64, np.int32, np.int16, np.uint8, np.uint16, np.intp)
    for k, row in enumerate(rows):
        judge_decoding(sub, row, vocab)
        judge_decoding(sub, np.array(row, dtype=dtypes[k % len(dtypes)]), vocab)
    for row in encoding_of(RAGGED, vocab, 6):  # rows as encode_captions makes them
        judge_decoding(sub, row, vocab)
