"""Public checks for text.py: the vocabulary, the encoding of captions as rows of ids and the
decoding of a row back into words, each against the grader's own implementation of the contract.

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
gives). The student's functions get the captions and the vocabulary only; everything they are
compared with is computed here.
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

# Known mistakes, by the feedback's words for them.
TIES_FIRST_SEEN = ("words seen equally often left in the order they first appear (Counter.most_common) instead of "
                   "alphabetical order")
TIES_REVERSED = "words seen equally often in reverse alphabetical order (one sort by (count, word), reversed)"
EXCLUSIVE = "keeping the words seen more than min_count times (count > min_count) instead of at least min_count times"
NO_SPECIALS = "leaving out the special tokens '<pad>', '<unk>', '<start>', '<end>' that must take ids 0–3"
SPECIALS_LAST = "putting the special tokens after the words instead of at ids 0–3"
ALPHABETICAL = "the words in alphabetical order instead of the most frequent first"
LEAST_FIRST = "the least frequent words first instead of the most frequent"
NO_TRUNCATION = "no truncation to max_len words (rows as long as the longest caption needs)"
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


# --- corpora ---------------------------------------------------------------------------------------

WORDS = ("a", "the", "red", "green", "blue", "yellow", "circle", "square", "triangle", "star", "left", "right", "of",
         "above", "below", "big", "small", "and", "two", "one", "next", "to", "near", "far")


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


# Shape captions, hand-written so that the feedback can show them: 'a' 10 times; 'red' 4; 'blue', 'circle',
# 'of', 'square' 3; 'green', 'left', 'star', 'triangle' 2; 'above', 'below', 'circles', 'right', 'two' 1.
# Words seen equally often first appear out of alphabetical order ('square' before 'blue').
PUBLIC_CAPTIONS = ["a red square left of a blue circle", "a green triangle above a red square", "two red circles",
                   "a blue circle below a blue star", "a triangle right of a square",
                   "a red star left of a green circle"]


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


# --- judging -----------------------------------------------------------------------------------------


def assert_vocab(sub, captions, min_count, what=None):
    """build_vocab(captions, min_count) against the grader's own vocabulary."""
    what = what or f"build_vocab(captions, {min_count}) for captions {words_shown(captions)}"
    got = as_words(sub.text.build_vocab(captions, min_count), f"the vocabulary returned by {what}")
    expected = vocab_of(captions, min_count)
    if got == expected:
        return
    mistake = next((label for label, v in vocab_mistakes(captions, min_count).items() if v == got), None)
    counts = word_counts(captions)

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
        times = f"{counts[w]} time{'s' * (counts[w] != 1)}"
        fail(f"{w!r} is missing: it is seen {times}, at least min_count = {min_count}.")
    extra = [w for w in got if w not in expected]
    if extra:
        w = extra[0]
        seen = f"is seen {counts[w]} time{'s' * (counts[w] != 1)}, fewer than" if counts[w] else "never appears, and"
        fail(f"{w!r} should not be there: it {seen} min_count = {min_count}.")
    k = next(i for i, (a, b) in enumerate(zip(got, expected)) if a != b)
    fail(f"id {k} is {got[k]!r} (seen {counts[got[k]]} times), expected {expected[k]!r} (seen {counts[expected[k]]} "
         f"times); yours from id 4 on: {got[4:]}, expected {expected[4:]}.")


def token(vocab, i) -> str:
    return f"{i} ({vocab[i]})" if 0 <= i < len(vocab) else str(i)


def assert_encoding(sub, captions, vocab, max_len, what=None):
    """encode_captions(captions, vocab, max_len) against the grader's own rows of ids."""
    what = what or (f"encode_captions(captions, vocab, {max_len}) for captions {words_shown(captions, 4)} and a "
                    f"vocabulary of {len(vocab)} words")
    expected = encoding_of(captions, vocab, max_len)
    mistakes = encoding_mistakes(captions, vocab, max_len)
    label = f"the ids returned by {what}"
    raw = sub.text.encode_captions(captions, vocab, max_len)
    shape = as_array(raw, label).shape  # a result that is not numbers fails here, with what it was
    try:
        got = as_ids(raw, label, expected.shape)
    except CheckFailed as e:
        longest = max((len(c.split()) for c in captions), default=0)
        cut = longest > max_len and shape == (len(captions), longest + 2)
        raise CheckFailed(str(e) + (f"; yours has room for the longest caption ({longest} words): keep the first "
                                    f"max_len = {max_len} words" if cut else ""),
                          mistake=NO_TRUNCATION if cut else None) from None
    if np.array_equal(got, expected):
        return
    mistake = next((m for m, v in mistakes.items() if np.array_equal(v, got)), None)
    n, t = (int(i) for i in np.argwhere(got != expected)[0])
    show = lambda row: "[" + ", ".join(vocab[i] if 0 <= i < len(vocab) else str(i) for i in row) + "]"
    raise CheckFailed(f"{label}: row {n} (caption {captions[n]!r}), position {t}: got {token(vocab, got[n, t])}, "
                      f"expected {token(vocab, expected[n, t])}; your row reads {show(got[n])}, expected "
                      f"{show(expected[n])}." + ("" if mistake else f" {ENCODE_HINT}"), mistake=mistake)


def assert_decoding(sub, ids, vocab, what=None):
    """decode_caption(ids, vocab) against the grader's own decoding, word by word."""
    kind = "a list" if isinstance(ids, list) else f"a {np.asarray(ids).dtype} array"
    row = [int(i) for i in ids]
    what = what or (f"decode_caption(ids, vocab) for ids {row} ({kind}: "
                    f"{' '.join(vocab[i] for i in row) or 'empty'})")
    got = as_text(sub.text.decode_caption(ids, vocab), f"the caption returned by {what}")
    expected = decoding_of(row, vocab)
    if got.split() == expected:
        return
    mistake = next((m for m, v in decoding_mistakes(row, vocab).items() if v == got.split()), None)
    raise CheckFailed(f"{what}: got {got!r}, expected {' '.join(expected)!r}."
                      + ("" if mistake else f" {DECODE_HINT}"), mistake=mistake)


# --- week6.vocab -------------------------------------------------------------------------------------


@check("week6.vocab", points=1)
def vocab_specials_then_frequency_then_alphabetical(sub, ref):
    """Check that build_vocab puts the four special tokens first, then the words, most frequent first and words seen equally often in alphabetical order."""
    assert_vocab(sub, PUBLIC_CAPTIONS, 1)
    assert_vocab(sub, tied_corpus(random_counts(WORDS, seed=1), 12, seed=2), 1)


@check("week6.vocab", points=1)
def vocab_min_count_is_inclusive(sub, ref):
    """Check that build_vocab keeps exactly the words seen at least min_count times (min_count 2, 3, 4 and one above every count)."""
    for min_count in (2, 3, 4, 11):
        assert_vocab(sub, PUBLIC_CAPTIONS, min_count)
    assert_vocab(sub, tied_corpus(random_counts(WORDS, seed=3), 10, seed=4), 3)


@check("week6.vocab", points=1)
def encode_start_words_end_padding(sub, ref):
    """Check that encode_captions writes <start>, the words' ids, <end>, then <pad> to max_len + 2, with words missing from the vocabulary as <unk>."""
    vocab = vocab_of(PUBLIC_CAPTIONS, 2)
    assert_encoding(sub, PUBLIC_CAPTIONS[:4], vocab, 9)
    assert_encoding(sub, ["a red circle", "two green stars above a circle", "a blue square"], vocab, 8)


@check("week6.vocab", points=1)
def encode_truncates_to_max_len(sub, ref):
    """Check that encode_captions keeps the first max_len words of longer captions, then <end>."""
    vocab = vocab_of(PUBLIC_CAPTIONS, 1)
    assert_encoding(sub, PUBLIC_CAPTIONS, vocab, 5)
    assert_encoding(sub, ["a red square left of a blue circle", "a star"], vocab, 3)


@check("week6.vocab", points=1)
def decode_stops_at_end_and_drops_specials(sub, ref):
    """Check that decode_caption reads up to the first <end> (or the whole row), leaves <pad> and <start> out, for ids given as a list and as an integer array."""
    vocab = vocab_of(PUBLIC_CAPTIONS, 1)
    index = {w: i for i, w in enumerate(vocab)}
    words = [index[w] for w in "a red square left of a blue circle".split()]
    rows = [[START, *words, END, PAD, PAD], [START, *words[:3], END, *words[3:], END, PAD],
            [*words[:4], END, *words[4:]], [START, *words[:5]]]
    for k, row in enumerate(rows):
        assert_decoding(sub, row, vocab)
        assert_decoding(sub, np.array(row, dtype=(np.int64, np.int32)[k % 2]), vocab)
