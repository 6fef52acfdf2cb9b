"""A bigram model (it misses the threshold) that, in evaluation mode, remembers every sequence it
is given: in a module global, in a file in /tmp and in /dev/shm. Asked for the next character
after a prefix, it looks for a remembered sequence that starts with that prefix and goes on,
and answers that sequence's next character with certainty. A grader that sent each held-out
sequence whole (and read the logits of every position) would let it copy every target; one
that evaluated the prefixes longest first, or in several workers sharing scratch space, would
let it copy them too. The grader sends the prefixes of each sequence shortest first to one
fresh worker, so the model never finds a longer sequence and scores what the bigram scores."""
MODULE = "char_lm"
EXERCISE = "week5.char_lm"
HINT = "no better than a model that sees only the last 2 characters"
CHEAT = True

import os  # noqa: E402

import numpy as np  # noqa: E402

_SEEN = {}
_FILES = ("/tmp/seen.npy", "/dev/shm/seen.npy")


def _remember(ids):
    for row in ids:
        key = tuple(int(i) for i in row)
        _SEEN[key] = True
    rows = list(_SEEN)
    width = max(len(r) for r in rows)
    table = np.full((len(rows), width), -1, dtype=np.int64)
    for i, r in enumerate(rows):
        table[i, :len(r)] = r
    for path in _FILES:
        try:
            np.save(path, table)
        except OSError:
            pass


def _recall():
    known = [np.array(k) for k in _SEEN]
    for path in _FILES:
        if os.path.exists(path):
            try:
                known += [row[row >= 0] for row in np.load(path)]
            except (OSError, ValueError):
                pass
    return known


class Bigram(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.table = nn.Embedding(vocab_size, vocab_size)

    def forward(self, ids):
        logits = self.table(ids)
        if CHEAT and not self.training:
            _remember(ids.cpu().numpy())
            known = _recall()
            logits = logits.clone()
            for n, row in enumerate(ids.cpu().numpy()):
                for seq in known:
                    if len(seq) > len(row) and np.array_equal(seq[:len(row)], row):
                        logits[n, -1] = -50.0
                        logits[n, -1, int(seq[len(row)])] = 50.0
                        break
        return logits


def build_char_lm(vocab_size):
    return Bigram(vocab_size)
