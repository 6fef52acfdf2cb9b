"""Week 6's data: scenes of one or two coloured shapes, their captions from a small grammar,
and the truth of any caption about them.

A scene is a list of things, each a colour, a shape and a place; it is drawn as a 3×32×32
image (values in [0, 1], a dark random background, pixel noise). Its caption follows the
grammar

    caption  := thing | thing relation thing
    thing    := "a" colour shape
    colour   := "red" | "green" | "blue" | "yellow" | "white"
    shape    := "circle" | "square" | "triangle"
    relation := "left of" | "right of" | "above" | "below"

A scene of two things places them apart mostly along one axis (the larger of the two
distances between their centres is at least twice the smaller), so that exactly one of
"left of"/"right of" or "above"/"below" describes them. Its canonical caption, the one
the captioner is trained on, names the left thing first ("… left of …") or the upper
one ("… above …"); its references are every true caption: the canonical one and its
converse ("a blue square right of a red circle").

A caption is *true* of a scene when it parses by the grammar, mentions as many things as
the scene holds, and what it says of them holds (`mistakes` says what does not). The
scene graph is kept with every image, so that any generated caption can be judged.

The generator is deterministic per seed and uses NumPy alone: the grader draws its
training and held-out scenes from the course secret (``grader.heldout.secret_seed``);
anyone may draw scenes of their own from other seeds.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass

import numpy as np

COLOURS = {"red": (0.92, 0.16, 0.12), "green": (0.12, 0.78, 0.22), "blue": (0.18, 0.36, 1.0),
           "yellow": (0.95, 0.86, 0.12), "white": (0.94, 0.94, 0.94)}
SHAPES = ("circle", "square", "triangle")
RELATIONS = ("left of", "right of", "above", "below")
CONVERSE = {"left of": "right of", "right of": "left of", "above": "below", "below": "above"}
SIZE = 32
TWO_THINGS = 0.7  # the share of scenes with two things
# What a caption can get wrong, in the order feedback names them.
MISTAKES = ("grammar", "count", "colour", "shape", "relation")


@dataclass(frozen=True)
class Thing:
    colour: str
    shape: str
    x: float  # centre, in pixels from the left edge
    y: float  # centre, in pixels from the top edge
    r: float  # half its extent, in pixels

    @property
    def phrase(self) -> str:
        return f"a {self.colour} {self.shape}"


def relation(a: Thing, b: Thing) -> str:
    """Where `a` is with respect to `b` along the axis on which they lie further apart."""
    dx, dy = a.x - b.x, a.y - b.y
    if abs(dx) >= abs(dy):
        return "left of" if dx < 0 else "right of"
    return "above" if dy < 0 else "below"


@dataclass(frozen=True)
class Scene:
    things: tuple[Thing, ...]

    @property
    def caption(self) -> str:
        """The canonical caption: the left (or upper) thing first."""
        return self.references[0]

    @property
    def references(self) -> tuple[str, ...]:
        """Every true caption of the scene, the canonical one (the left or upper thing first) first."""
        if len(self.things) == 1:
            return (self.things[0].phrase,)
        a, b = self.things
        if relation(a, b) in ("right of", "below"):
            a, b = b, a
        return (f"{a.phrase} {relation(a, b)} {b.phrase}", f"{b.phrase} {relation(b, a)} {a.phrase}")


# ------------------------------------------------------------------------------- drawing


def _place(rng: np.random.Generator, count: int, size: int) -> list[tuple[float, float, float]]:
    """Centres and half-extents of `count` things that do not touch; two things lie apart
    mostly along one axis (the larger centre distance at least twice the smaller)."""
    while True:
        out = []
        for _ in range(count):
            r = rng.uniform(0.16, 0.21) * size
            x, y = rng.uniform(r + 0.5, size - r - 0.5, size=2)
            out.append((float(x), float(y), float(r)))
        if count == 1:
            return out
        (x1, y1, r1), (x2, y2, r2) = out
        near, far = sorted((abs(x1 - x2), abs(y1 - y2)))
        if far >= 2 * near and far >= r1 + r2 + 2:
            return out


@functools.lru_cache(maxsize=4)
def _centres(size: int) -> np.ndarray:
    """The pixel centres of a size × size image: (y, x) grids, read-only."""
    grid = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    grid.setflags(write=False)
    return grid


def _mask(shape: str, x: float, y: float, r: float, size: int) -> np.ndarray:
    yy, xx = _centres(size)
    dx, dy = xx - x, yy - y
    if shape == "circle":
        return dx**2 + dy**2 <= r**2
    if shape == "square":
        return (np.abs(dx) <= 0.82 * r) & (np.abs(dy) <= 0.82 * r)
    return (dy <= r) & (dy >= -r) & (np.abs(dx) <= (dy + r) / 2)  # a triangle, apex up


def draw(scene: Scene, rng: np.random.Generator, size: int = SIZE) -> np.ndarray:
    """The scene as a float32 image (3, size, size) in [0, 1]: each thing in its colour
    (jittered by up to ±0.07 per channel) on a background of random dark values, with
    Gaussian pixel noise of standard deviation 0.04."""
    img = np.broadcast_to(rng.uniform(0.0, 0.25, size=3).astype(np.float32)[:, None, None], (3, size, size)).copy()
    for t in scene.things:
        colour = np.clip(np.asarray(COLOURS[t.colour]) + rng.uniform(-0.07, 0.07, size=3), 0, 1).astype(np.float32)
        img[:, _mask(t.shape, t.x, t.y, t.r, size)] = colour[:, None]
    img += rng.normal(0.0, 0.04, size=img.shape).astype(np.float32)
    return np.clip(img, 0.0, 1.0)


def generate(n: int, seed, size: int = SIZE, two_things: float = TWO_THINGS) -> tuple[np.ndarray, list[Scene]]:
    """`n` random scenes and their images, deterministic per `seed` (an int or a
    ``numpy.random.SeedSequence`` entropy): images float32 (n, 3, size, size) in [0, 1],
    and the scenes (``scene.caption``, ``scene.references``, ``scene.things``). Colours and
    shapes are drawn uniformly, independently for each thing; a share `two_things` of the
    scenes hold two things."""
    rng = np.random.default_rng(seed)
    images = np.empty((n, 3, size, size), dtype=np.float32)
    out = []
    for i in range(n):
        count = 2 if rng.random() < two_things else 1
        places = _place(rng, count, size)
        things = tuple(Thing(str(rng.choice(list(COLOURS))), str(rng.choice(SHAPES)), x, y, r)
                       for x, y, r in places)
        scene = Scene(things)
        images[i] = draw(scene, rng, size)
        out.append(scene)
    return images, out


# ------------------------------------------------------------------------------- truth


def parse(caption: str) -> tuple[list[tuple[str, str]], str | None] | None:
    """A caption read by the grammar: ``([(colour, shape), …], relation or None)``, or None
    when it does not parse."""
    words = caption.split()

    def thing(at: int):
        if len(words) >= at + 3 and words[at] == "a" and words[at + 1] in COLOURS and words[at + 2] in SHAPES:
            return words[at + 1], words[at + 2]
        return None

    first = thing(0)
    if first is None:
        return None
    if len(words) == 3:
        return [first], None
    for rel in RELATIONS:
        n = len(rel.split())
        if " ".join(words[3:3 + n]) == rel:
            second = thing(3 + n)
            if second is not None and len(words) == 6 + n:
                return [first, second], rel
    return None


def mistakes(caption: str, scene: Scene) -> frozenset[str]:
    """What the caption gets wrong about the scene, a subset of MISTAKES: "grammar" (it does
    not parse), "count" (it mentions another number of things), else the attributes that
    differ ("colour", "shape", "relation") for the reading of the caption that matches the
    scene best (the fewest mistakes; on a tie, a wrong relation rather than wrong descriptions).
    Empty when the caption is true of the scene."""
    parsed = parse(caption)
    if parsed is None:
        return frozenset({"grammar"})
    said, rel = parsed
    if len(said) != len(scene.things):
        return frozenset({"count"})
    best = None
    orders = [scene.things] if len(said) == 1 else [scene.things, scene.things[::-1]]
    for things in orders:
        wrong = set()
        for (colour, shape), t in zip(said, things):
            if colour != t.colour:
                wrong.add("colour")
            if shape != t.shape:
                wrong.add("shape")
        if rel is not None and relation(*things) != rel:
            wrong.add("relation")
        # the fewest mistakes; on a tie, the reading that matches the things (a wrong relation rather than
        # two swapped descriptions)
        if best is None or (len(wrong), len(wrong - {"relation"})) < (len(best), len(best - {"relation"})):
            best = wrong
    return frozenset(best)


def is_true(caption: str, scene: Scene) -> bool:
    """Whether the caption parses, names as many things as the scene holds, and says only what holds."""
    return not mistakes(caption, scene)


def judge(captions: list[str], scenes: list[Scene]) -> dict:
    """Exact-caption accuracy (the caption is the scene's canonical caption, word for word),
    truthfulness (the caption is true of the scene: the canonical caption or its converse) and how
    often each mistake occurs, over parallel lists."""
    if len(captions) != len(scenes):
        raise ValueError(f"{len(captions)} captions for {len(scenes)} scenes")
    exact = sum(c.split() == s.caption.split() for c, s in zip(captions, scenes))
    found = [mistakes(c, s) for c, s in zip(captions, scenes)]
    counts = Counter(m for f in found for m in f)
    n = max(1, len(scenes))
    return {"exact": exact / n, "truthful": sum(not f for f in found) / n,
            "mistakes": {m: counts[m] / n for m in MISTAKES}}
