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
    ### BEGIN SOLUTION week6.captioner
    return Captioner(vocab_size)


class Captioner(nn.Module):
    """A small CNN whose features a GRU reads at every step beside the embedding of the word before."""

    def __init__(self, vocab_size, embedding_dim=32, hidden_size=128):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),   # 16 × 16
            nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),  # 8 × 8
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),  # 4 × 4
            nn.Flatten(), nn.Linear(64 * 4 * 4, hidden_size), nn.ReLU())
        self.embed = nn.Embedding(vocab_size, embedding_dim)
        self.gru = nn.GRU(embedding_dim + hidden_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, vocab_size)

    def forward(self, images, captions_in):
        return self._decode(self.encoder(images), captions_in)[0]

    def _decode(self, features, words, h=None):
        steps = features.unsqueeze(1).expand(-1, words.shape[1], -1)
        out, h = self.gru(torch.cat([self.embed(words), steps], dim=-1), h)
        return self.out(out), h

    @torch.no_grad()
    def generate(self, images, max_len):
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
