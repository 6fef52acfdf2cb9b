"""A bigram model (it misses the threshold) that, in evaluation mode, remembers every sequence it
is given, each prefix with the id that followed it: in a module global, in a file in /tmp and in
/dev/shm. Asked for the next character after a prefix, it looks the prefix up and, when it has
seen the sequence go on, answers that character with certainty. A grader that evaluated the
prefixes longest first, or showed the whole sequences to the same worker first, or let several
workers share scratch space, would let it copy the targets. The grader sends the prefixes of each
sequence shortest first to one fresh worker, so the model never finds a continuation and scores
what the bigram scores."""
MODULE = "char_lm"
EXERCISE = "week5.char_lm"
HINT = "no better than a model that sees only the last 2 characters"
CHEAT = True

import os  # noqa: E402

import numpy as np  # noqa: E402

_NEXT = {}  # every prefix of every sequence seen -> the id that followed it
_FILES = ("/tmp/seen.npy", "/dev/shm/seen.npy")


def _remember(ids):
    for row in ids.tolist():
        for t in range(1, len(row)):
            _NEXT[tuple(row[:t])] = row[t]
    rows = [list(k) + [v] for k, v in _NEXT.items()]
    if not rows:
        return
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
    """What this process remembers, and what earlier processes left in the scratch folders."""
    known = dict(_NEXT)
    for path in _FILES:
        if os.path.exists(path):
            try:
                for row in np.load(path).tolist():
                    row = [i for i in row if i >= 0]
                    known[tuple(row[:-1])] = row[-1]
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
            _remember(ids.cpu())
            known = _recall()
            logits = logits.clone()
            for n, row in enumerate(ids.tolist()):
                following = known.get(tuple(row))
                if following is not None:
                    logits[n, -1] = -50.0
                    logits[n, -1, following] = 50.0
        return logits


def build_char_lm(vocab_size):
    return Bigram(vocab_size)
