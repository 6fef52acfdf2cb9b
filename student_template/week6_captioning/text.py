"""Turning captions into ids and back, in plain Python and NumPy.

A caption is a lowercase string of words separated by whitespace ("a red circle left of
a blue square"). A vocabulary is a list of words: a word's id is its index in the list.
The first four entries are the special tokens below, in this order.
"""

import numpy as np

SPECIALS = ("<pad>", "<unk>", "<start>", "<end>")
PAD, UNK, START, END = 0, 1, 2, 3


def build_vocab(captions, min_count=1):
    """The vocabulary of a list of captions.

    The list starts with the four SPECIALS (ids 0–3), then every word that appears at
    least ``min_count`` times over all the captions, the most frequent first; words seen
    equally often are in alphabetical order.

    Args:
        captions: a list of strings, each split on whitespace into words.
        min_count: the fewest times a word must appear to get an id of its own (≥ 1).

    Returns:
        A list of strings.
    """
    raise NotImplementedError("week6.vocab")


def encode_captions(captions, vocab, max_len):
    """Captions as rows of ids, ready for a decoder trained with teacher forcing.

    Row i is ``<start>``, the ids of the first ``max_len`` words of caption i (a word not
    in ``vocab`` becomes ``<unk>``), ``<end>``, then ``<pad>`` up to the row's length.

    Args:
        captions: a list of N strings.
        vocab: a list of words as ``build_vocab`` returns.
        max_len: the most words kept of each caption.

    Returns:
        An integer array of shape (N, max_len + 2).
    """
    raise NotImplementedError("week6.vocab")


def decode_caption(ids, vocab):
    """The caption that a row of ids spells: its words joined by single spaces.

    Reading stops at the first ``<end>``; the special tokens are left out.

    Args:
        ids: a sequence of ids (a list, or a 1-D array or tensor).
        vocab: a list of words as ``build_vocab`` returns.

    Returns:
        A string ("" when no word is left).
    """
    raise NotImplementedError("week6.vocab")
