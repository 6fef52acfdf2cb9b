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
        A ``Captioner`` (an ``nn.Module``).
    """
    return Captioner(vocab_size)


class Captioner(nn.Module):
    """A CNN encoder and a recurrent decoder.

    ``__init__`` builds the layers (week6.quality: what they are decides how good the
    captions are once trained); ``forward`` and ``generate`` use them (week6.captioner).
    """

    def __init__(self, vocab_size):
        super().__init__()
        raise NotImplementedError("week6.quality")

    def forward(self, images, captions_in):
        """Teacher forcing: the logits of the word after each position of ``captions_in``.

        Args:
            images: a float tensor (N, 3, 32, 32) with values in [0, 1].
            captions_in: a LongTensor (N, T) of ids that starts with ``<start>``.

        Returns:
            Logits (N, T, V): those at position t predict the id after captions_in[:, :t + 1]
            and may depend on the image and those ids only.
        """
        raise NotImplementedError("week6.captioner")

    @torch.no_grad()
    def generate(self, images, max_len):
        """Greedy decoding: a caption for each image, one id at a time.

        Starting from ``<start>``, each next id is the argmax of the logits given the image
        and the ids so far, until every caption has written ``<end>`` or max_len ids are
        written (what a row holds after its ``<end>`` does not matter).

        Args:
            images: a float tensor (N, 3, 32, 32).
            max_len: the most ids to write per image.

        Returns:
            A LongTensor (N, L) with L ≤ max_len (``<start>`` may be its first column or not).
        """
        raise NotImplementedError("week6.captioner")
