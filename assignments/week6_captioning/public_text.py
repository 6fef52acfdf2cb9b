"""Public checks for text.py: the vocabulary, the encoding of captions as rows of ids and the
decoding of a row back into words, on small hand-made corpora whose expected results are written
out in this file.

The contract: captions are lowercase strings split on whitespace (str.split()); the vocabulary is
'<pad>', '<unk>', '<start>', '<end>' (ids 0–3), then every word seen at least min_count times, the
most frequent first, words seen equally often in alphabetical order; row i of the encoding is
<start>, the ids of the first max_len words of caption i (a word not in the vocabulary as <unk>),
<end>, then <pad> up to length max_len + 2; decoding reads a row up to its first <end> and leaves
the special tokens out. What decoding does with <unk> is not judged: no row handed to
decode_caption holds one.

Results pass whatever their container: the vocabulary as a list or a tuple of strings (NumPy
strings too), the encoding as a NumPy array of any numeric dtype or a list of lists holding whole
numbers, the decoded caption as a string compared word by word (its words are what str.split()
gives). The student's functions get the captions and the vocabulary only. The hidden checks judge
other corpora against the grader's own implementation of the contract, which names the known
mistakes; the comparisons below (assert_vocab, assert_encoding, assert_decoding) take the
expected result as an argument and serve both.
"""

from collections import Counter

import numpy as np

from grader.compare import as_array, describe, fmt
from grader.registry import CheckFailed, check
from grader.sandbox import Handle

SPECIALS = ("<pad>", "<unk>", "<start>", "<end>")
PAD, UNK, START, END = range(4)

VOCAB_HINT = ("The vocabulary is '<pad>', '<unk>', '<start>', '<end>' (ids 0–3), then every word seen at least "
              "min_count times over all the captions, the most frequent first, words seen equally often in "
              "alphabetical order: sorted(kept, key=lambda w: (-count[w], w)).")
ENCODE_HINT = ("Row i is <start> (2), the ids of the first max_len words of caption i (a word not in the vocabulary "
               "is <unk>, 1), <end> (3), then <pad> (0) up to length max_len + 2.")
DECODE_HINT = ("Read the ids in order, stop at the first <end> (3), leave out <pad> (0) and <start> (2) wherever "
               "they are, and join the words of the others with spaces.")
# The one mistake told by the shape of a result rather than by its values.
NO_TRUNCATION = "no truncation to max_len words (rows as long as the longest caption needs)"


# --- the public corpora and their expected results, written out by hand --------------------------------

# Shape captions: 'a' 10 times; 'red' 4; 'blue', 'circle', 'of', 'square' 3; 'green', 'left', 'star',
# 'triangle' 2; 'above', 'below', 'circles', 'right', 'two' 1. Words seen equally often first appear out of
# alphabetical order ('square' before 'blue').
CAPTIONS = ["a red square left of a blue circle", "a green triangle above a red square", "two red circles",
            "a blue circle below a blue star", "a triangle right of a square", "a red star left of a green circle"]
COUNTS = {"a": 10, "red": 4, "blue": 3, "circle": 3, "of": 3, "square": 3, "green": 2, "left": 2, "star": 2,
          "triangle": 2, "above": 1, "below": 1, "circles": 1, "right": 1, "two": 1}
# Their vocabulary for each min_count (ids 4 on): 1 keeps every word, 11 none.
WORDS_BY_MIN_COUNT = {
    1: ["a", "red", "blue", "circle", "of", "square", "green", "left", "star", "triangle", "above", "below",
        "circles", "right", "two"],
    2: ["a", "red", "blue", "circle", "of", "square", "green", "left", "star", "triangle"],
    3: ["a", "red", "blue", "circle", "of", "square"],
    4: ["a", "red"],
    11: []}
VOCAB_1 = [*SPECIALS, *WORDS_BY_MIN_COUNT[1]]  # a 4, red 5, blue 6, circle 7, of 8, square 9, green 10, left 11,
VOCAB_2 = [*SPECIALS, *WORDS_BY_MIN_COUNT[2]]  # star 12, triangle 13, above 14, below 15, circles 16, right 17, two 18

# Captions where most words share their count with others, first seen in neither alphabetical order nor its
# reverse: 'a' 4 times; 'small' 3; 'and', 'big', 'circle', 'square', 'star', 'the', 'two' 2; 'above',
# 'below', 'circles', 'squares', 'stars' 1.
TIED = ["two small stars below a big square", "a big circle and two small squares", "the star above the circle",
        "a square and a star", "small circles"]
TIED_COUNTS = {"a": 4, "small": 3, "and": 2, "big": 2, "circle": 2, "square": 2, "star": 2, "the": 2, "two": 2,
               "above": 1, "below": 1, "circles": 1, "squares": 1, "stars": 1}
TIED_WORDS_BY_MIN_COUNT = {
    1: ["a", "small", "and", "big", "circle", "square", "star", "the", "two", "above", "below", "circles", "squares",
        "stars"],
    2: ["a", "small", "and", "big", "circle", "square", "star", "the", "two"]}

# Rows of ids (<pad> 0, <unk> 1, <start> 2, <end> 3), each case: captions, vocabulary, max_len, expected rows.
ENCODINGS_SHORT = [  # every caption fits: <start>, words (unknown ones as <unk>), <end>, padding
    (CAPTIONS[:4], VOCAB_2, 9, [[2, 4, 5, 9, 11, 8, 4, 6, 7, 3, 0], [2, 4, 10, 13, 1, 4, 5, 9, 3, 0, 0],
                                [2, 1, 5, 1, 3, 0, 0, 0, 0, 0, 0], [2, 4, 6, 7, 1, 4, 6, 12, 3, 0, 0]]),
    (["a red circle", "two green stars above a circle", "a blue square"], VOCAB_2, 8,
     [[2, 4, 5, 7, 3, 0, 0, 0, 0, 0], [2, 1, 10, 1, 1, 4, 7, 3, 0, 0], [2, 4, 6, 9, 3, 0, 0, 0, 0, 0]])]
ENCODINGS_CUT = [  # captions longer than max_len keep their first max_len words, then <end>
    (CAPTIONS, VOCAB_1, 5, [[2, 4, 5, 9, 11, 8, 3], [2, 4, 10, 13, 14, 4, 3], [2, 18, 5, 16, 3, 0, 0],
                            [2, 4, 6, 7, 15, 4, 3], [2, 4, 13, 17, 8, 4, 3], [2, 4, 5, 12, 11, 8, 3]]),
    (["a red square left of a blue circle", "a star"], VOCAB_1, 3, [[2, 4, 5, 9, 3], [2, 4, 12, 3, 0]])]
# Rows of VOCAB_1's ids and the caption each spells: after <end>, <pad> and <start> anywhere, no <end>.
DECODINGS = [([2, 4, 5, 9, 11, 8, 4, 6, 7, 3, 0, 0], "a red square left of a blue circle"),
             ([2, 4, 5, 9, 3, 11, 8, 4, 6, 7, 3, 0], "a red square"),
             ([4, 5, 9, 11, 3, 8, 4, 6, 7], "a red square left"),
             ([2, 4, 5, 9, 11, 8], "a red square left of")]


def words_shown(captions, limit=6) -> str:
    shown = ", ".join(repr(c) for c in captions[:limit])
    return f"[{shown}{', …' if len(captions) > limit else ''}] ({len(captions)} captions)"


# --- reading results back ----------------------------------------------------------------------------


def as_text(value, what: str) -> str:
    """A string the student returned (a NumPy string arrives as a handle and is read with .item())."""
    if isinstance(value, Handle) and value.type_name == "numpy.str_":
        value = value.item()
    if not isinstance(value, str):
        raise CheckFailed(f"{what} should be a string, got {describe(value)}")
    return value


def as_words(value, what: str) -> list[str]:
    """A list of strings the student returned: a list or tuple of strings (NumPy strings too), or a
    NumPy array of strings."""
    if isinstance(value, Handle) and value.type_name == "numpy.ndarray":
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        raise CheckFailed(f"{what} should be a list of strings, got {describe(value)}")
    return [as_text(v, f"entry {i} of {what}") for i, v in enumerate(value)]


def as_ids(value, what: str, shape: tuple) -> np.ndarray:
    """Ids the student returned, as int64: any numeric container of whole numbers of `shape`."""
    arr = as_array(value, what)
    if arr.shape != shape:
        raise CheckFailed(f"{what} has shape {arr.shape}, expected (N, max_len + 2) = {shape}: one row per caption, "
                          "<start>, at most max_len words, <end>, then padding")
    bad = ~np.isfinite(arr) | (arr != np.round(arr))
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise CheckFailed(f"{what} holds {fmt(arr[idx])} at index {idx}: ids are whole numbers (indices into the "
                          "vocabulary)")
    return arr.astype(np.int64)


# --- judging: the student's result against an expected one ------------------------------------------


def times(k: int) -> str:
    return f"{k} time{'s' * (k != 1)}"


def assert_vocab(sub, captions, min_count, expected, counts, mistakes=None, what=None):
    """build_vocab(captions, min_count) against `expected` (a list of strings); `counts` gives each word's
    count in `captions` for the feedback, `mistakes` ({label: vocabulary}) the known mistakes to name."""
    what = what or f"build_vocab(captions, {min_count}) for captions {words_shown(captions)}"
    got = as_words(sub.text.build_vocab(captions, min_count), f"the vocabulary returned by {what}")
    expected = list(expected)
    if got == expected:
        return
    mistake = next((label for label, v in (mistakes or {}).items() if list(v) == got), None)
    count = lambda w: counts.get(w, 0)

    def fail(msg):
        raise CheckFailed(f"{what}: {msg}" + ("" if mistake else f" {VOCAB_HINT}"), mistake=mistake)

    if tuple(got[:4]) != SPECIALS:
        fail(f"starts with {got[:4]}, expected {list(SPECIALS)} (ids 0–3).")
    repeated = [w for w, c in Counter(got).items() if c > 1]
    if repeated:
        fail(f"{repeated[0]!r} appears {got.count(repeated[0])} times; each word has one id.")
    missing = [w for w in expected if w not in got]
    if missing:
        w = missing[0]
        fail(f"{w!r} is missing: it is seen {times(count(w))}, at least min_count = {min_count}.")
    extra = [w for w in got if w not in expected]
    if extra:
        w = extra[0]
        seen = f"is seen {times(count(w))}, fewer than" if count(w) else "never appears, and"
        fail(f"{w!r} should not be there: it {seen} min_count = {min_count}.")
    k = next(i for i, (a, b) in enumerate(zip(got, expected)) if a != b)
    fail(f"id {k} is {got[k]!r} (seen {times(count(got[k]))}), expected {expected[k]!r} (seen "
         f"{times(count(expected[k]))}); yours from id 4 on: {got[4:]}, expected {expected[4:]}.")


def token(vocab, i) -> str:
    return f"{i} ({vocab[i]})" if 0 <= i < len(vocab) else str(i)


def read_ids(sub, captions, vocab, max_len, label) -> np.ndarray:
    """encode_captions(captions, vocab, max_len) read back as int64 of shape (N, max_len + 2); rows as long
    as the longest caption needs are named as the missing truncation."""
    raw = sub.text.encode_captions(captions, vocab, max_len)
    shape = as_array(raw, label).shape  # a result that is not numbers fails here, with what it was
    try:
        return as_ids(raw, label, (len(captions), max_len + 2))
    except CheckFailed as e:
        longest = max((len(c.split()) for c in captions), default=0)
        cut = longest > max_len and shape == (len(captions), longest + 2)
        raise CheckFailed(str(e) + (f"; yours has room for the longest caption ({longest} words): keep the first "
                                    f"max_len = {max_len} words" if cut else ""),
                          mistake=NO_TRUNCATION if cut else None) from None


def assert_encoding(sub, captions, vocab, max_len, expected, mistakes=None, what=None):
    """encode_captions(captions, vocab, max_len) against the rows `expected`; `mistakes` ({label: rows})
    the known mistakes to name."""
    what = what or (f"encode_captions(captions, vocab, {max_len}) for captions {words_shown(captions, 4)} and a "
                    f"vocabulary of {len(vocab)} words")
    label = f"the ids returned by {what}"
    expected = np.asarray(expected, dtype=np.int64).reshape(len(captions), max_len + 2)
    got = read_ids(sub, captions, vocab, max_len, label)
    if np.array_equal(got, expected):
        return
    mistake = next((m for m, v in (mistakes or {}).items() if np.array_equal(v, got)), None)
    n, t = (int(i) for i in np.argwhere(got != expected)[0])
    show = lambda row: "[" + ", ".join(vocab[i] if 0 <= i < len(vocab) else str(i) for i in row) + "]"
    raise CheckFailed(f"{label}: row {n} (caption {captions[n]!r}), position {t}: got {token(vocab, got[n, t])}, "
                      f"expected {token(vocab, expected[n, t])}; your row reads {show(got[n])}, expected "
                      f"{show(expected[n])}." + ("" if mistake else f" {ENCODE_HINT}"), mistake=mistake)


def assert_decoding(sub, ids, vocab, expected, mistakes=None, what=None):
    """decode_caption(ids, vocab) against the caption `expected`, word by word; `mistakes` ({label: words})
    the known mistakes to name."""
    kind = "a list" if isinstance(ids, list) else f"a {np.asarray(ids).dtype} array"
    row = [int(i) for i in ids]
    what = what or (f"decode_caption(ids, vocab) for ids {row} ({kind}: "
                    f"{' '.join(vocab[i] for i in row) or 'empty'})")
    got = as_text(sub.text.decode_caption(ids, vocab), f"the caption returned by {what}")
    if got.split() == expected.split():
        return
    mistake = next((m for m, v in (mistakes or {}).items() if list(v) == got.split()), None)
    raise CheckFailed(f"{what}: got {got!r}, expected {expected!r}." + ("" if mistake else f" {DECODE_HINT}"),
                      mistake=mistake)


# --- week6.vocab -------------------------------------------------------------------------------------


@check("week6.vocab", points=1)
def vocab_specials_then_frequency_then_alphabetical(sub, ref):
    """Check that build_vocab puts the four special tokens first, then the words, most frequent first and words seen equally often in alphabetical order."""
    assert_vocab(sub, CAPTIONS, 1, VOCAB_1, COUNTS)
    assert_vocab(sub, TIED, 1, [*SPECIALS, *TIED_WORDS_BY_MIN_COUNT[1]], TIED_COUNTS)


@check("week6.vocab", points=1)
def vocab_min_count_is_inclusive(sub, ref):
    """Check that build_vocab keeps exactly the words seen at least min_count times (min_count 2, 3, 4 and one above every count)."""
    for min_count in (2, 3, 4, 11):
        assert_vocab(sub, CAPTIONS, min_count, [*SPECIALS, *WORDS_BY_MIN_COUNT[min_count]], COUNTS)
    assert_vocab(sub, TIED, 2, [*SPECIALS, *TIED_WORDS_BY_MIN_COUNT[2]], TIED_COUNTS)


@check("week6.vocab", points=1)
def encode_start_words_end_padding(sub, ref):
    """Check that encode_captions writes <start>, the words' ids, <end>, then <pad> to max_len + 2, with words missing from the vocabulary as <unk>."""
    for captions, vocab, max_len, expected in ENCODINGS_SHORT:
        assert_encoding(sub, captions, vocab, max_len, expected)


@check("week6.vocab", points=1)
def encode_truncates_to_max_len(sub, ref):
    """Check that encode_captions keeps the first max_len words of longer captions, then <end>."""
    for captions, vocab, max_len, expected in ENCODINGS_CUT:
        assert_encoding(sub, captions, vocab, max_len, expected)


@check("week6.vocab", points=1)
def decode_stops_at_end_and_drops_specials(sub, ref):
    """Check that decode_caption reads up to the first <end> (or the whole row), leaves <pad> and <start> out, for ids given as a list and as an integer array."""
    for k, (row, expected) in enumerate(DECODINGS):
        assert_decoding(sub, row, VOCAB_1, expected)
        assert_decoding(sub, np.array(row, dtype=(np.int64, np.int32)[k % 2]), VOCAB_1, expected)
