"""A character-level language model in PyTorch, and sampling text from it.

A language model reads ids (N, T) and gives, at every position t, the logits (N, T, V) of
the next character: position t may depend on the ids at positions ≤ t only (it must not
peek at the character it predicts, or any later one).
"""

import torch
from torch import nn


def build_char_lm(vocab_size):
    """A language model over ``vocab_size`` characters.

    The grader trains it with its own recipe (Adam, the cross-entropy of the logits at
    every position against the next character) on sequences of its text source, and
    judges its held-out loss in bits per character.

    Args:
        vocab_size: the number V of distinct characters (ids 0 … V − 1).

    Returns:
        An ``nn.Module`` whose ``forward(ids)`` maps a LongTensor (N, T) to logits (N, T, V),
        causally: the logits at position t depend on ids[:, :t + 1] only.
    """
    ### BEGIN SOLUTION week5.char_lm
    return CharLSTM(vocab_size)


class CharLSTM(nn.Module):
    """Embedding, a one-layer LSTM and a linear read-out at every position."""

    def __init__(self, vocab_size, embedding_dim=32, hidden_size=128):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, vocab_size)

    def forward(self, ids):
        h, _ = self.lstm(self.embed(ids))
        return self.out(h)
    ### END SOLUTION


def sample(model, prefix, length, temperature, generator):
    """Continue ``prefix`` by ``length`` characters drawn from the model.

    Each new id is drawn from softmax(logits / temperature), where the logits are the
    model's at the last position given the prefix and every id drawn so far. The only
    randomness is ``generator`` (``torch.multinomial(..., generator=generator)``): the same
    generator state gives the same text. As temperature → 0 the draw becomes the argmax.

    Args:
        model: a language model as ``build_char_lm`` makes (ids (1, T) -> logits (1, T, V)).
        prefix: the ids to start from, a non-empty sequence of ints (a list or a 1-D tensor).
        length: how many ids to draw.
        temperature: a positive float; 1 samples the model's own distribution.
        generator: a ``torch.Generator``.

    Returns:
        The ``length`` new ids (not the prefix), a LongTensor of shape (length,).
    """
    ### BEGIN SOLUTION week5.sample
    model.eval()
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    ids = torch.as_tensor(prefix, dtype=torch.long).reshape(-1).tolist()
    drawn = []
    with torch.no_grad():
        for _ in range(length):
            logits = model(torch.tensor([ids], dtype=torch.long, device=device))[0, -1]
            probs = torch.softmax(logits.double() / temperature, dim=-1).to(generator.device)
            next_id = int(torch.multinomial(probs, 1, generator=generator))
            ids.append(next_id)
            drawn.append(next_id)
    return torch.tensor(drawn, dtype=torch.long)
    ### END SOLUTION
