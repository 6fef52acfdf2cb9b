"""Public checks for char_lm.py's sample, judged against a language model whose probabilities
the grader knows, never on one random stream.

The model is the grader's own (`grader.trainers.table_lm`), built in the student's process: an
order-k Markov chain whose logits at each position are a fixed table's row for the last k ids
(positions before the start count as id 0), so the distribution of every next id given
everything before it is known exactly. Draws are judged by Pearson's chi-square test of their
counts against softmax(logits / temperature): categories whose expected count is below
[sample] min_expected are pooled, and a check fails when a p-value falls below its share of
[sample] false_alarm, the probability that a correct sampler fails the check. The randomness
must come from the generator argument alone: the same generator state gives the same ids,
whatever torch's global generator holds, and the global generator is neither read nor
advanced. A tiny temperature gives exactly the greedy (argmax) continuation.

PyTorch objects stay in the student's process, driven through handles (as week 4's
public_noise.py does): the model, the generators and tensor prefixes live there; the returned
ids come back as NumPy arrays.
"""

import numpy as np
from scipy.stats import chi2

from grader.compare import describe, fmt
from grader.registry import CheckFailed, check, load_rubric
from grader.sandbox import Handle
from grader.training import _runtime

TOL = load_rubric(__file__)["sample"]

HINT = ("Each new id is torch.multinomial(torch.softmax(logits / temperature, -1), 1, generator=generator), where "
        "logits = model(ids)[0, -1] for ids = the prefix followed by every id drawn so far.")
GLOBAL_RNG = "drawing from torch's global random generator instead of the generator argument"
MULTIPLIES = "multiplying the logits by the temperature instead of dividing by it"
IGNORES = "ignoring the temperature (drawing from softmax(logits) whatever the temperature)"
FORGETS = "feeding the model only the last id instead of the prefix and every id drawn so far"
PREFIX_ONLY = "feeding the model the prefix only (every new id drawn from the same distribution)"
ARGMAX = "taking the argmax at every step instead of drawing from the distribution"
PREFIX_TOO = "returning the prefix too (sample returns the new ids only)"


# --- the grader's language model ------------------------------------------------------------------


class TableModel:
    """A Markov chain of order `order` over `vocab` ids, as logits: ``logits[context]`` is the row of
    the context, the last `order` ids (oldest first, zeros before the start), as float32 values."""

    def __init__(self, vocab, order, seed, scale):
        rng = np.random.default_rng(seed)
        logits = rng.normal(0.0, scale, size=(vocab ** order, vocab))
        # A clear winner in every row, so that the argmax is one id whatever the arithmetic.
        top = logits.argmax(axis=1)
        rest = np.where(np.arange(vocab) == top[:, None], -np.inf, logits).max(axis=1)
        logits[np.arange(len(logits)), top] = np.maximum(logits[np.arange(len(logits)), top], rest + TOL["argmax_gap"])
        self.vocab, self.order = vocab, order
        self.logits = logits.astype(np.float32)

    def row(self, ids):
        """The row index of the context that ends with ids[-1]."""
        context = ([0] * self.order + list(ids))[-self.order:]
        index = 0
        for c in context:
            index = index * self.vocab + int(c)
        return index

    def rows(self, ids):
        """The row index of the context that ends with each of ids."""
        padded = np.concatenate([np.zeros(self.order, dtype=np.int64), np.asarray(ids, dtype=np.int64)])
        index = np.zeros(len(ids), dtype=np.int64)
        for j in range(self.order):
            index = index * self.vocab + padded[j + 1:j + 1 + len(ids)]
        return index

    def row_probs(self, rows, temperature):
        """softmax(logits / temperature) of each row, in float64."""
        z = self.logits[np.asarray(rows)].astype(np.float64) / temperature
        p = np.exp(z - z.max(axis=-1, keepdims=True))
        return p / p.sum(axis=-1, keepdims=True)

    def probs(self, ids, temperature):
        """softmax(logits / temperature) after `ids`."""
        return self.row_probs(self.row(ids), temperature)

    def greedy(self, prefix, length):
        ids = list(prefix)
        for _ in range(length):
            ids.append(int(np.argmax(self.logits[self.row(ids)])))
        return ids[len(prefix):]

    def remote(self, sub):
        """The same model as an nn.Module in the student's process (a handle)."""
        return _runtime(sub, "table_lm", self.logits, self.order, what="building the grader's language model",
                        keep=True)


class Bench:
    """The grader's model built in the student's process, and PyTorch there, driven through handles (as
    week 4's public_noise.py does): torch is reached through char_lm's builtins (already loaded, the
    rubric's preload)."""

    def __init__(self, sub, table):
        self.sub, self.table = sub, table
        self.torch = sub.call(sub.call("char_lm.__builtins__.get", "__import__"), "torch")
        self.model = _runtime(sub, "table_lm", table.logits, table.order, what="building the grader's language model",
                              keep=True)

    def generator(self, seed):
        g = self.torch.Generator()
        g.manual_seed(int(seed))
        return g

    def global_draw(self, seed):
        """torch.rand(16) right after torch.manual_seed(seed): what the global generator gives when nothing
        else drew from it."""
        self.torch.manual_seed(int(seed))
        return self.global_rand()

    def global_rand(self):
        return np.asarray(self.torch.rand(16).tolist())

    def draw(self, prefix, length, temperature, generator, what=None):
        """sample(model, prefix, length, temperature, generator), checked to be `length` integer ids in
        [0, V), as an int64 array. A list `prefix` is passed as it is, a tuple as a 1-D LongTensor made in
        the student's process."""
        if isinstance(prefix, tuple):
            given, shown = self.torch.tensor(list(prefix), dtype=self.torch.get("long")), f"{list(prefix)} as a tensor"
        else:
            given, shown = list(prefix), list(prefix)
        what = what or f"sample(model, prefix={shown}, length={length}, temperature={temperature:g}, generator)"
        result = self.sub.char_lm.sample(self.model, given, length, temperature, generator)
        ids = as_ids(result, f"the result of {what}")
        if ids.shape != (length,):
            too = ids.ndim == 1 and len(ids) == length + len(prefix)
            raise CheckFailed(f"the result of {what} has shape {ids.shape}, expected ({length},): the {length} new "
                              f"id{'s' if length > 1 else ''} alone, not the prefix, no batch dimension.",
                              mistake=PREFIX_TOO if too else None)
        if ids.size and not ((ids >= 0) & (ids < self.table.vocab)).all():
            raise CheckFailed(f"the result of {what} holds ids outside [0, {self.table.vocab}): {ids.tolist()}")
        return ids


# --- calling sample ---------------------------------------------------------------------------------


def as_ids(value, what):
    """The ids a sampler returned, as an int64 NumPy array: a torch tensor, a NumPy array or a list of
    integers (or of 0-d tensors), of any numeric dtype holding whole numbers (the course's conventions:
    numbers pass whatever their container); fractions, booleans and anything else are refused."""
    if isinstance(value, Handle):
        if not value.type_name.startswith("torch"):
            raise CheckFailed(f"{what} should be integer ids (a LongTensor, a list of ints), got {describe(value)}")
        value = value.tolist()  # one round trip; a float tensor gives floats, refused below
    elif isinstance(value, (list, tuple)) and any(isinstance(v, Handle) for v in value):
        value = [v.item() if isinstance(v, Handle) and v.type_name.startswith("torch") else v for v in value]
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):
        raw = np.asarray(None)
    if raw.dtype.kind == "O" and raw.ndim == 1 and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                                        for v in raw):
        raw = raw.astype(np.int64)
    if raw.dtype.kind == "O" and raw.ndim == 1 and all(isinstance(v, (float, np.floating)) for v in raw):
        raw = raw.astype(np.float64)
    if raw.dtype.kind == "f" and np.isfinite(raw).all() and np.array_equal(raw, np.round(raw)) \
            and np.abs(raw).max(initial=0) < 2**31:
        raw = raw.astype(np.int64)  # numbers in any container: ids held as whole floats are ids
    if raw.dtype.kind not in "iu":
        kind = "values that are not whole numbers" if raw.dtype.kind == "f" else describe(value)
        raise CheckFailed(f"{what} should be integer ids (a LongTensor, a NumPy array or a list of ints), got {kind}"
                          + (f" (dtype {raw.dtype})" if raw.dtype.kind == "f" else "") + ": return the ids themselves, "
                          "not probabilities.")
    return raw.astype(np.int64)



# --- statistics ---------------------------------------------------------------------------------------


def pooled(counts, probs):
    """Counts and expected counts with the categories whose expected count is below [sample]
    min_expected pooled into one (itself pooled with the smallest kept category if it stays below)."""
    counts, expected = np.asarray(counts, dtype=np.float64), np.asarray(probs, dtype=np.float64) * np.sum(counts)
    small = expected < TOL["min_expected"]
    if not small.any():
        return counts, expected
    c, e = list(counts[~small]), list(expected[~small])
    c_small, e_small = counts[small].sum(), expected[small].sum()
    if e_small >= TOL["min_expected"] or not e:
        c.append(c_small)
        e.append(e_small)
    else:
        i = int(np.argmin(e))
        c[i] += c_small
        e[i] += e_small
    return np.array(c), np.array(e)


def chi_square(tables):
    """Pearson's statistic summed over several (counts, probabilities) pairs, its degrees of freedom and
    its p-value (chi-square distribution); p = 0 when an id of probability below [sample] impossible
    was drawn."""
    stat, dof = 0.0, 0
    for counts, probs in tables:
        if np.any((np.asarray(counts) > 0) & (np.asarray(probs) < TOL["impossible"])):
            return np.inf, dof, 0.0  # an id drawn that the distribution (nearly) never gives
        c, e = pooled(counts, probs)
        stat += float(np.sum((c - e) ** 2 / e))
        dof += len(c) - 1
    return stat, dof, (float(chi2.sf(stat, dof)) if dof else 1.0)


def assert_follows(tables, what, alpha, mistakes=None):
    """The counts of `tables` (pairs of counts and expected probabilities) agree with their
    probabilities: Pearson's chi-square test at false-alarm probability `alpha`. `mistakes` maps a
    known mistake to the tables of probabilities it would give: the one the counts fit best is named,
    if they fit it (p-value above alpha)."""
    stat, dof, p = chi_square(tables)
    if p >= alpha:
        return
    fits = {label: chi_square(theirs)[2] for label, theirs in (mistakes or {}).items()}
    mistake = max(fits, key=fits.get) if fits and max(fits.values()) >= alpha else None
    worst = max(tables, key=lambda t: np.sum(t[0]))
    n = int(np.sum(worst[0]))
    seen = ", ".join(f"{x / n:.3f}" for x in worst[0])
    expected = ", ".join(f"{x:.3f}" for x in worst[1])
    raise CheckFailed(f"{what}: the ids drawn do not follow softmax(logits / temperature) (chi-square {fmt(stat)} with "
                      f"{dof} degrees of freedom, p = {p:.1e}, while a correct sampler fails with probability "
                      f"{alpha:.1e}). In the most visited context, {n} draws gave the frequencies [{seen}], expected "
                      f"[{expected}]." + ("" if mistake else " " + HINT), mistake=mistake)


def counts_of(ids, vocab):
    return np.bincount(np.asarray(ids, dtype=np.int64), minlength=vocab)


def assert_first_ids(bench, prefix, temperatures, n, seed):
    """The first ids of n calls sample(model, prefix, 1, T, generator) (one generator per temperature)
    follow softmax(logits / T) at each temperature."""
    table = bench.table
    alpha = TOL["false_alarm"] / len(temperatures)
    for k, temperature in enumerate(temperatures):
        g = bench.generator(seed + k)
        counts = counts_of([bench.draw(prefix, 1, temperature, g)[0] for _ in range(n)], table.vocab)
        ids = list(prefix)
        mistakes = {FORGETS: table.probs(ids[-1:], temperature), ARGMAX: table.probs(ids, TOL["tiny_temperature"])}
        if temperature != 1.0:
            mistakes.update({MULTIPLIES: table.probs(ids, 1.0 / temperature), IGNORES: table.probs(ids, 1.0)})
        shown = f"{ids} as a tensor" if isinstance(prefix, tuple) else ids
        assert_follows([(counts, table.probs(ids, temperature))],
                       f"the first id of {n} calls sample(model, prefix={shown}, length=1, "
                       f"temperature={temperature:g}, generator)", alpha, {label: [(counts, q)] for label, q in mistakes.items()})


def context_tables(table, prefix, ids, temperature):
    """The counts of the ids drawn after `prefix`, by context (the last `order` ids before each), paired
    with the probabilities softmax(logits / temperature) of that context: ``[(counts, probs)]``, and
    the same counts paired with what each known mistake draws from: ``{mistake: [(counts, probs)]}``."""
    history = np.array(list(prefix) + list(ids), dtype=np.int64)
    before = table.rows(history)[len(prefix) - 1:-1]  # the context of each drawn id
    counts = np.zeros((table.vocab ** table.order, table.vocab))
    np.add.at(counts, (before, history[len(prefix):]), 1)
    seen = np.unique(before)
    probs = table.row_probs(seen, temperature)
    theirs = {FORGETS: table.row_probs(seen % table.vocab, temperature),  # the context (0, …, 0, last id)
              PREFIX_ONLY: table.row_probs(np.full(len(seen), table.row(prefix)), temperature),
              ARGMAX: table.row_probs(seen, TOL["tiny_temperature"])}
    return (list(zip(counts[seen], probs)),
            {label: list(zip(counts[seen], q)) for label, q in theirs.items()})


def assert_transitions(bench, prefixes, length, temperature, seed, what):
    """Samples of `length` ids after each prefix: every next id, given its context, follows
    softmax(logits / temperature) (one chi-square test over every context of every sample; contexts
    are counted per sample, since feeding the prefix only depends on the sample's prefix)."""
    tables, wrong = [], {}
    for k, prefix in enumerate(prefixes):
        ids = bench.draw(prefix, length, temperature, bench.generator(seed + k))
        mine, theirs = context_tables(bench.table, prefix, ids.tolist(), temperature)
        tables += mine
        for label, t in theirs.items():
            wrong.setdefault(label, []).extend(t)
    assert_follows(tables, f"{what}: the id after each context", TOL["false_alarm"], wrong)


def assert_greedy(bench, prefixes, length, temperature, seed):
    """At a tiny temperature, sample gives exactly the greedy continuation of each prefix."""
    table = bench.table
    for k, prefix in enumerate(prefixes):
        got = bench.draw(prefix, length, temperature, bench.generator(seed + k))
        expected = np.array(table.greedy(prefix, length))
        if not np.array_equal(got, expected):
            i = int(np.argmax(got != expected))
            forgot = len(prefix) > 1 and np.array_equal(got, table.greedy(list(prefix)[-1:], length))
            shown = f"{list(prefix)} as a tensor" if isinstance(prefix, tuple) else list(prefix)
            raise CheckFailed(f"sample(model, prefix={shown}, length={length}, temperature={temperature:g}, generator) "
                              f"gave {got.tolist()}, expected the greedy continuation {expected.tolist()} (first "
                              f"difference at position {i}): as the temperature goes to 0, softmax(logits / "
                              "temperature) puts all its mass on the argmax. Divide the logits by the temperature "
                              "(and subtract their maximum before exponentiating, so that nothing overflows).",
                              mistake=FORGETS if forgot else None)


# --- week5.sample ----------------------------------------------------------------------------------------

# The public model: an order-2 chain over 6 ids.
PUBLIC = dict(vocab=6, order=2, seed=900, scale=1.2)


@check("week5.sample", points=1)
def sample_returns_length_new_integer_ids(sub, ref):
    """Check that sample returns `length` integer ids in [0, V) (any integer container: a LongTensor, an array, a list of ints): the new ids alone, not the prefix."""
    bench = Bench(sub, TableModel(**PUBLIC))
    for prefix, length in (([2, 4, 1], 5), ([3], 1), ([0, 5, 5, 2, 1, 1], 12)):
        bench.draw(prefix, length, 1.0, bench.generator(901))


@check("week5.sample", points=1)
def first_id_follows_softmax_of_logits_over_temperature(sub, ref):
    """Check that the first id drawn after a prefix follows softmax(logits / temperature) at temperatures 1, 0.5 and 2 (a chi-square test over 300 calls with length 1 at each)."""
    assert_first_ids(Bench(sub, TableModel(**PUBLIC)), [1, 3], (1.0, 0.5, 2.0), TOL["first_draws"], seed=910)


@check("week5.sample", points=1)
def each_next_id_follows_its_context(sub, ref):
    """Check that in samples of 300 ids every next id, given the two ids before it (from the prefix and the ids drawn so far), follows softmax(logits / temperature) at temperature 1."""
    length = TOL["sample_length"]
    assert_transitions(Bench(sub, TableModel(**PUBLIC)), ([0, 1], [2, 3, 4], [5], [4, 4]), length, 1.0, seed=920,
                       what=f"sample(model, prefix, length={length}, temperature=1, generator)")


@check("week5.sample", points=1)
def sample_draws_only_from_the_generator(sub, ref):
    """Check that generators in the same state give the same ids whatever torch's global seed, that the next call on the same generator gives other ids, and that torch's global random generator is neither read nor advanced."""
    bench = Bench(sub, TableModel(**PUBLIC))
    prefix, length = [3, 0], TOL["repeat_length"]
    what = f"sample(model, prefix={prefix}, length={length}, temperature=1, generator)"
    expected_after = bench.global_draw(931)
    bench.torch.manual_seed(931)
    first = bench.draw(prefix, length, 1.0, bench.generator(932))
    if not np.array_equal(bench.global_rand(), expected_after):
        raise CheckFailed(f"{what} drew from torch's global random generator (after torch.manual_seed(931), torch.rand "
                          "gave other numbers once sample had run): draw only from the generator argument "
                          "(torch.multinomial(..., generator=generator)).", mistake=GLOBAL_RNG)
    bench.torch.manual_seed(933)
    generator = bench.generator(932)
    second = bench.draw(prefix, length, 1.0, generator)
    if not np.array_equal(first, second):
        raise CheckFailed(f"two calls of {what} with generators in the same state (seed 932) but different global "
                          f"seeds gave different ids ({first.tolist()} and {second.tolist()}): the ids must depend on "
                          "the generator argument alone.", mistake=GLOBAL_RNG)
    third = bench.draw(prefix, length, 1.0, generator)
    if np.array_equal(second, third):
        greedy = np.array_equal(third, bench.table.greedy(prefix, length))
        raise CheckFailed(f"two consecutive calls of {what} with the same generator gave the same ids "
                          f"{third.tolist()}: draw from the generator as it is (do not re-seed it), so that each call "
                          "advances it.", mistake=ARGMAX if greedy else None)


@check("week5.sample", points=1)
def tiny_temperature_gives_the_argmax(sub, ref):
    """Check that at temperature 1e-3 sample returns exactly the greedy continuation: the argmax of the logits at every step."""
    assert_greedy(Bench(sub, TableModel(**PUBLIC)), ([1, 2], [5], [0, 0, 3]), 30, TOL["tiny_temperature"], seed=940)
