"""An image captioner in PyTorch: a CNN encodes the image, a recurrent decoder writes the caption.

Captions travel as ids of the week's vocabulary (text.py), whose first four ids are
``<pad>``, ``<unk>``, ``<start>`` and ``<end>``. With teacher forcing, the decoder reads
``<start> w1 … wk`` and is trained to predict ``w1 … wk <end>``, one position ahead.
"""

import torch
from torch import nn

START, END = 2, 3  # the ids of <start> and <end> (text.SPECIALS)


def build_captioner(vocab_size):
    """A captioner for images of shape (3, 32, 32) and a vocabulary of ``vocab_size`` ids.

    The grader trains it with its own recipe (Adam; the cross-entropy of the logits at
    every position of ``forward(images, captions_in)`` against the next id of the caption,
    ``<pad>`` positions ignored) on scenes it draws, then captions held-out scenes with
    ``generate``.

    Args:
        vocab_size: the number V of ids (ids 0 … V − 1).

    Returns:
        An ``nn.Module`` with

        - ``forward(images, captions_in)``: images a float tensor (N, 3, 32, 32) with values
          in [0, 1], captions_in a LongTensor (N, T) that starts with ``<start>``; returns
          logits (N, T, V), where the logits at position t predict the id after
          captions_in[:, :t + 1] (and may depend on the image and those ids only);
        - ``generate(images, max_len)``: greedy decoding, a LongTensor (N, L) with
          L ≤ max_len: starting from ``<start>``, each next id is the argmax of the logits
          given the image and the ids so far, until ``<end>`` (rows that end early may be
          filled with anything after their ``<end>``).
    """
    raise NotImplementedError("week6.captioner")
