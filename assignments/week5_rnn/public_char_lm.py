"""Public checks for build_char_lm (char_lm.py): the shape of its logits, its causality, and
its held-out bits per character after training with the week's fixed recipe.

The text comes from the week's source, a Markov chain of order 3 over 8 characters whose
entropy rate H is known exactly: no model can do better than H bits per character on
average, and one that sees fewer than 3 previous characters does far worse. The chain and
every sequence are drawn from the course secret (grader.heldout). The grader trains the
model with its own loop (grader.training: the judge keeps the parameters and the optimizer;
the student's process computes each batch's gradients) and judges it causally: a fresh
process gets the prefixes of each held-out sequence one length at a time, shortest first,
and the grader keeps the logits at each prefix's last position, so no model can lower its
loss by looking at later characters. The network as built, and the trained one with the
entries of every parameter array shuffled, must both miss the threshold.
"""

import numpy as np

from grader import heldout
from grader.compare import as_array
from grader.registry import CheckFailed, check, load_rubric
from grader.training import (Recipe, Trained, bits_per_character, evaluate, lookahead, next_token_logits, once,
                             scrambled_parameters, train)

RUBRIC = load_rubric(__file__)
BUILDER = "char_lm.build_char_lm"
CONTROLS = {"untrained": "as the builder makes it, before any training",
            "scrambled": "with the entries of each trained parameter array shuffled"}
SPLITS = ("val", "test")
PROBABILITIES = "returning probabilities (a final softmax) where logits are expected"
LOOKS_AHEAD = ("the logits at a position depending on later characters (a bidirectional RNN, a convolution padded "
               "on both sides, attention without its causal mask)")


# --- the text source and the training run -----------------------------------------------------------


def source(cfg):
    """The week's Markov chain, drawn from the course secret."""
    return heldout.markov_text("week5.text", vocab_size=cfg["vocab_size"], order=cfg["order"],
                               concentration=cfg["concentration"])


def text(cfg, split):
    """The sequences of `split` ("train", "val" or "test"), (n, length) ids from the course secret."""
    n = cfg[f"n_{split}"]
    return source(cfg).sequences(n, cfg["length"], heldout.secret_seed(f"week5.text.{split}"))


def recipe(cfg) -> Recipe:
    return Recipe(trainer="torch_lm", epochs=cfg["epochs"], batch_size=cfg["batch_size"], lr=cfg["lr"],
                  optimizer="adam", seed=cfg["seed"], max_seconds=cfg["max_seconds"])


def untrained_lm(vocab_size) -> Trained:
    return Trained(builder=BUILDER, args=[vocab_size], kwargs={}, recipe=recipe(RUBRIC["char_lm"]), params=[])


def trained_lm(sub, ref):
    """build_char_lm trained with the [char_lm] recipe and judged on the validation and the test
    sequences (its controls on the first n_controls of each), once per grading: a dict with
    "trained", "bits" ({split: bits per character}), "controls" ({control: {split: bits}}),
    "lookahead" (its largest relative difference between whole-sequence and causal logits, and
    the position) and "train_bits" (its bits per character on training sequences read whole)."""
    cfg = ref.rubric["char_lm"]
    src = source(cfg)
    X_train = text(cfg, "train")
    held = {split: text(cfg, split) for split in SPLITS}
    r = recipe(cfg)
    k, m = src.order, cfg["n_controls"]
    what = "build_char_lm"

    def bits(trained, sets, **extra):
        ids = np.concatenate(list(sets.values()))
        logits = next_token_logits(sub, trained, ids, first=k, what=what, **extra)
        out, start = {}, 0
        for split, X in sets.items():
            out[split] = bits_per_character(logits[start:start + len(X)], X[:, k:])
            start += len(X)
        return out

    def make():
        trained = train(sub, BUILDER, [src.vocab_size], recipe=r, X_train=X_train, y_train=None, device=ref.device,
                        what=what)
        sample = X_train[:64, :-1]
        gap, position, full = lookahead(sub, trained, sample, what=what)
        result = {"trained": trained, "bits": bits(trained, held), "controls": {}, "lookahead": (gap, position),
                  "train_bits": bits_per_character(full, X_train[:64, 1:]),
                  "probabilities": bool(full.min() >= 0 and full.max() <= 1 and np.allclose(full.sum(-1), 1, atol=1e-3))}
        rng = np.random.default_rng()  # fresh entropy: the submission cannot predict the shuffle
        few = {split: X[:m] for split, X in held.items()}
        for control, extra in (("untrained", {"untrained": True}),
                               ("scrambled", {"params": scrambled_parameters(trained, rng)})):
            result["controls"][control] = bits(trained, few, **extra)
        return result

    return once(sub, ("char_lm", ref.device, repr(sorted(cfg.items()))), make)


def describe_recipe(cfg) -> str:
    return (f"{cfg['epochs']} epochs of Adam, lr {cfg['lr']:g}, batches of {cfg['batch_size']}, {cfg['n_train']} "
            f"sequences of {cfg['length']} characters")


def judge_char_lm(sub, ref, split, split_name):
    """Train build_char_lm (once per grading) and judge its causal bits per character on `split`."""
    cfg = ref.rubric["char_lm"]
    src = source(cfg)
    run = trained_lm(sub, ref)
    H, k = src.entropy_rate(), src.order
    threshold = H + cfg["margin"]
    lower = src.conditional_entropy(k - 1)
    bigram = src.conditional_entropy(1)
    what = (f"build_char_lm({src.vocab_size}) trained with the fixed recipe ({describe_recipe(cfg)}) and scored "
            f"causally on the {split_name} sequences")
    floors = (f"The text's entropy rate is H = {H:.3f} bits per character (no model does better on average) and the "
              f"threshold is H + {cfg['margin']:g} = {threshold:.3f}; the best model that sees only the last "
              f"{k - 1} characters scores {lower:.3f}, a bigram model {bigram:.3f}.")
    gap, position = run["lookahead"]
    got = run["bits"][split]
    if gap > cfg["lookahead_rtol"]:
        raise CheckFailed(
            f"{what}: the logits at position {position} change when the characters after it change (relative difference "
            f"{gap:.3g} between the logits for whole training sequences and for their prefixes ending at that position). "
            f"The model looks ahead: during training it could read the character it was asked to predict (its training "
            f"loss fell to {run['train_bits']:.3f} bits per character, below H = {H:.3f}), but the grader judges each "
            f"position from the characters up to it, where it scores {got:.3f} (threshold {threshold:.3f}). Make position "
            "t depend on ids[:, :t + 1] only: a unidirectional RNN, a convolution padded on the left only, attention with "
            "the causal mask.", mistake=LOOKS_AHEAD)
    for control, by_split in run["controls"].items():
        if by_split[split] <= threshold:
            raise CheckFailed(f"{what}: the network {CONTROLS[control]}, scores {by_split[split]:.3f} bits per character "
                              f"(threshold {threshold:.3f}): its predictions do not come from the parameters the grader "
                              "trained. They must be earned by what the network learns in training.")
    if got <= threshold:
        return got
    trained = run["trained"]
    stopped = (f"Training was stopped after {len(trained.history)} of {trained.recipe.epochs} epochs by the time "
               f"limit of {trained.recipe.max_seconds:g} s. " if trained.stopped_early else "")
    if run["probabilities"]:
        raise CheckFailed(f"{what}: {got:.3f} bits per character, above the threshold {threshold:.3f}. {stopped}The model's "
                          "outputs are probabilities (each row in [0, 1], summing to 1): it ends in a softmax. The grader's "
                          "cross-entropy applies its own log-softmax to the outputs, which must be logits: drop the final "
                          "softmax (a log_softmax is fine).", mistake=PROBABILITIES)
    if got >= lower - 0.02:
        advice = (f"That is no better than a model that sees only the last {k - 1} characters: the next character "
                  f"depends on the last {k}, so the model must carry them (an RNN or LSTM over the sequence, or a "
                  f"causal convolution or attention that reaches back at least {k} positions), not just the current one.")
    else:
        final = trained.history[-1] / np.log(2) if trained.history else float("nan")
        advice = (f"The model learns (final training loss {final:.3f} bits per character) but not enough within the "
                  "recipe's budget: an embedding of a few dozen dimensions, a one-layer LSTM or GRU of ~128 units and a "
                  "linear read-out at every position do it.")
    raise CheckFailed(f"{what}: {got:.3f} bits per character, above the threshold {threshold:.3f}. {stopped}{floors} "
                      + advice)


# --- week5.char_lm ------------------------------------------------------------------------------------


def logits_of(sub, vocab_size, ids, what):
    out = evaluate(sub, untrained_lm(vocab_size), ids, what=what, untrained=True)
    got = as_array(out, f"the output of {what}")
    expected = (*ids.shape, vocab_size)
    if got.shape != expected:
        raise CheckFailed(f"{what} maps ids of shape {ids.shape} to an output of shape {got.shape}, expected logits of "
                          f"shape (N, T, V) = {expected}: one row of V logits at every position.")
    if not np.isfinite(got).all():
        raise CheckFailed(f"the logits of {what} hold NaN or infinite values")
    return got


@check("week5.char_lm", points=1)
def char_lm_shapes(sub, ref):
    """Check that build_char_lm(V) as built maps ids of shape (N, T) to logits of shape (N, T, V), for V = 8 and 5 and T = 1, 7 and 33."""
    rng = np.random.default_rng(500)
    for V in (8, 5):
        for T in (1, 7, 33):
            logits_of(sub, V, rng.integers(0, V, size=(3, T)), f"build_char_lm({V}) (before training)")


@check("week5.char_lm", points=1)
def char_lm_is_causal(sub, ref):
    """Check that the logits of build_char_lm(8) as built at each position do not depend on the ids after it: the logits for whole random sequences equal those for their prefixes ending at each position."""
    tol = RUBRIC["char_lm"]["lookahead_rtol"]
    ids = np.random.default_rng(501).integers(0, 8, size=(16, 20))
    gap, position, _ = lookahead(sub, untrained_lm(8), ids, what="build_char_lm(8) (before training)", untrained=True)
    if gap > tol:
        raise CheckFailed(f"build_char_lm(8) (before training): the logits at position {position} change when the ids "
                          f"after it change (relative difference {gap:.3g} between the logits for whole sequences and for "
                          "their prefixes ending at that position). Position t may depend on ids[:, :t + 1] only: a "
                          "unidirectional RNN, a convolution padded on the left only, attention with the causal mask.",
                          mistake=LOOKS_AHEAD)


@check("week5.char_lm", points=3, name="reaches the bits-per-character threshold on the validation sequences")
def char_lm_reaches_threshold_on_validation(sub, ref):
    """Check that the language model trained on the text source scores at most H + margin bits per character on the validation sequences, judged causally, where H is the source's entropy rate and a model of lower order cannot reach it."""
    judge_char_lm(sub, ref, "val", "validation")
