"""Week 6, captioning.py: written independently of the reference solution.

Another architecture: the CNN keeps a grid of 8×8 feature vectors (no flattening into one
vector), and the decoder is a small transformer: word embeddings plus learned positions, a
causal self-attention layer over the words and cross-attention to the 64 grid cells (each with
a learned position of its own), two layers. generate re-reads the whole prefix at every step
(no cache) and returns its ids with the leading <start> column, as a NumPy int32 array.
"""

import numpy as np
import torch
from torch import nn

BEGIN, STOP = 2, 3


class GridTransformerCaptioner(nn.Module):
    def __init__(self, vocab_size, width=64, longest=16):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 48, 3, padding=1), nn.BatchNorm2d(48), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(48, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU())
        self.cells = nn.Parameter(0.02 * torch.randn(64, width))
        self.words = nn.Embedding(vocab_size, width)
        self.places = nn.Parameter(0.02 * torch.randn(longest, width))
        layer = nn.TransformerDecoderLayer(width, nhead=4, dim_feedforward=128, dropout=0.0, batch_first=True)
        self.decoder = nn.TransformerDecoder(layer, num_layers=2)
        self.readout = nn.Linear(width, vocab_size)

    def memory(self, images):
        grid = self.cnn(images)                       # (N, width, 8, 8)
        return grid.flatten(2).transpose(1, 2) + self.cells

    def decode(self, memory, words):
        T = words.shape[1]
        mask = torch.triu(torch.full((T, T), float("-inf"), device=words.device), diagonal=1)
        h = self.decoder(self.words(words) + self.places[:T], memory, tgt_mask=mask)
        return self.readout(h)

    def forward(self, images, captions_in):
        return self.decode(self.memory(images), captions_in)

    def generate(self, images, max_len):
        with torch.no_grad():
            memory = self.memory(images)
            words = torch.full((len(images), 1), BEGIN, dtype=torch.long, device=images.device)
            while words.shape[1] < max_len:
                following = self.decode(memory, words)[:, -1].argmax(dim=1, keepdim=True)
                words = torch.cat([words, following], dim=1)
                if (words == STOP).any(dim=1).all():
                    break
        return words.cpu().numpy().astype(np.int32)


def build_captioner(vocab_size):
    return GridTransformerCaptioner(vocab_size)
