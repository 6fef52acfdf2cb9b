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
        ### BEGIN SOLUTION week6.quality
        # A small CNN whose features a GRU reads at every step beside the embedding of the word before.
        hidden_size = 128
        self.encoder = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),   # 16 × 16
            nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),  # 8 × 8
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),  # 4 × 4
            nn.Flatten(), nn.Linear(64 * 4 * 4, hidden_size), nn.ReLU())
        self.embed = nn.Embedding(vocab_size, 32)
        self.gru = nn.GRU(32 + hidden_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, vocab_size)
        ### END SOLUTION

    def forward(self, images, captions_in):
        """Teacher forcing: the logits of the word after each position of ``captions_in``.

        Args:
            images: a float tensor (N, 3, 32, 32) with values in [0, 1].
            captions_in: a LongTensor (N, T) of ids that starts with ``<start>``.

        Returns:
            Logits (N, T, V): those at position t predict the id after captions_in[:, :t + 1]
            and may depend on the image and those ids only.
        """
        ### BEGIN SOLUTION week6.captioner
        return self._decode(self.encoder(images), captions_in)[0]

    def _decode(self, features, words, h=None):
        steps = features.unsqueeze(1).expand(-1, words.shape[1], -1)
        out, h = self.gru(torch.cat([self.embed(words), steps], dim=-1), h)
        return self.out(out), h
        ### END SOLUTION

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
        ### BEGIN SOLUTION week6.captioner
        features, h = self.encoder(images), None
        word = torch.full((images.shape[0], 1), START, dtype=torch.long, device=images.device)
        ids, done = [], torch.zeros(images.shape[0], dtype=torch.bool, device=images.device)
        for _ in range(max_len):
            logits, h = self._decode(features, word, h)
            word = logits.argmax(-1)
            ids.append(word)
            done |= word[:, 0] == END
            if bool(done.all()):
                break
        return torch.cat(ids, dim=1) if ids else word[:, :0]
        ### END SOLUTION
