"""A captioner that learns nothing: a hand-written image analyser finds the shapes in the pixels
(bright blobs), names each by its mean colour and by how much of its bounding box it fills
(square 1, circle π/4, triangle 1/2), places them by their centroids, and spells the caption in
the grader's vocabulary (read from the public checks). Its forward puts a large logit on the
analyser's next word at every position, so that generate is the greedy decoding of forward, and
training cannot change what it writes. It would pass the quality thresholds; the controls (the
network as built, and with its parameters shuffled) write the same captions, so it scores what
the image-blind baseline (CHEAT = False) scores."""
MODULE = "captioning"
EXERCISE = "week6.quality"
HINT = "do not come from the parameters the grader trained"
CHEAT = True

import numpy as np  # noqa: E402

_VOCAB = ("<pad>", "<unk>", "<start>", "<end>", "a", "red", "green", "blue", "yellow", "white", "circle", "square",
          "triangle", "left", "right", "of", "above", "below")
_COLOURS = {"red": (0.92, 0.16, 0.12), "green": (0.12, 0.78, 0.22), "blue": (0.18, 0.36, 1.0),
            "yellow": (0.95, 0.86, 0.12), "white": (0.94, 0.94, 0.94)}


def _blobs(image):
    """Connected groups of bright pixels (4-neighbours), largest first: lists of (y, x)."""
    bright = image.max(axis=0) > 0.5
    seen, found = np.zeros_like(bright), []
    for y0, x0 in zip(*np.nonzero(bright)):
        if seen[y0, x0]:
            continue
        stack, blob = [(y0, x0)], []
        seen[y0, x0] = True
        while stack:
            y, x = stack.pop()
            blob.append((y, x))
            for v, u in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                if 0 <= v < bright.shape[0] and 0 <= u < bright.shape[1] and bright[v, u] and not seen[v, u]:
                    seen[v, u] = True
                    stack.append((v, u))
        if len(blob) >= 8:
            found.append(blob)
    return sorted(found, key=len, reverse=True)[:2]


def _describe(image, blob):
    ys, xs = np.array(blob).T
    colour = image[:, ys, xs].mean(axis=1)
    name = min(_COLOURS, key=lambda c: np.sum((np.array(_COLOURS[c]) - colour) ** 2))
    fill = len(blob) / ((ys.max() - ys.min() + 1) * (xs.max() - xs.min() + 1))
    shape = "square" if fill > 0.9 else "circle" if fill > 0.64 else "triangle"
    return f"a {name} {shape}", xs.mean(), ys.mean()


def _caption(image):
    things = [_describe(image, b) for b in _blobs(image)]
    if len(things) == 1:
        return things[0][0]
    if len(things) < 2:
        return "a red circle"
    (p, x1, y1), (q, x2, y2) = things
    if abs(x1 - x2) >= abs(y1 - y2):
        return f"{p} left of {q}" if x1 < x2 else f"{q} left of {p}"
    return f"{p} above {q}" if y1 < y2 else f"{q} above {p}"


_SEEN = {}  # image bytes -> caption: the training run shows each image once per epoch


def _ids(images, length):
    rows = []
    for image in images.detach().cpu().numpy():
        key = image.tobytes()
        if key not in _SEEN:
            _SEEN[key] = _caption(image)
        words = [_VOCAB.index(w) for w in _SEEN[key].split()] + [3]
        rows.append((words + [0] * length)[:length])
    return torch.tensor(rows, dtype=torch.long, device=images.device)


class Analyser(Captioner):
    def forward(self, images, captions_in):
        logits = self._decode(torch.zeros_like(self.encoder(images)), captions_in)[0]
        if not CHEAT or logits.shape[-1] != len(_VOCAB):  # the grader's vocabulary only
            return logits
        # the analyser's caption, one position ahead: a logit of 50 on its next word
        return logits + 50 * nn.functional.one_hot(_ids(images, captions_in.shape[1]), logits.shape[-1])

    @torch.no_grad()
    def generate(self, images, max_len):
        features, h = torch.zeros_like(self.encoder(images)), None
        word = torch.full((images.shape[0], 1), START, dtype=torch.long, device=images.device)
        ids, words = [], [word]
        for _ in range(max_len):
            if CHEAT and self.out.out_features == len(_VOCAB):
                word = self.forward(images, torch.cat(words, dim=1))[:, -1:].argmax(-1)
            else:
                logits, h = self._decode(features, word, h)
                word = logits.argmax(-1)
            ids.append(word)
            words.append(word)
        return torch.cat(ids, dim=1)


def build_captioner(vocab_size):
    return Analyser(vocab_size)
