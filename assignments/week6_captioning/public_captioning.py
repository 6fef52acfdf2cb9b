"""Public checks for build_captioner (captioning.py): the shapes of its logits and generated ids,
greedy decoding, and the quality of its captions of held-out scenes after training with the
week's fixed recipe.

The scenes (scenes.py, beside this file) are images of one or two coloured shapes whose scene
graph is known, so the truth of any caption can be judged. The grader draws its training and
held-out scenes from the course secret (grader.heldout), trains the captioner with its own
loop (grader.training: the judge keeps the parameters and the optimizer; the student's process
computes each batch's gradients, with the grader's teacher-forced loss) and captions held-out
images in a fresh process that holds the trained parameters and the images, nothing else.
Captions are judged three ways: exact (the scene's canonical caption, the one the captioner
is trained on, word for word), truthful (parses by the grammar and is true of the scene: the
canonical caption or its converse) and corpus BLEU-4 (nltk's) against the scene's true
captions. The network as built, and the trained one with the entries of every
parameter array shuffled, must both miss the thresholds.
"""

import functools

import numpy as np

from grader import heldout
from grader.registry import CheckFailed, check, load_rubric
from grader.training import Recipe, Trained, caption_logits, generated_ids, once, scrambled_parameters, train

from . import scenes
from .public_bleu import nltk_bleu

RUBRIC = load_rubric(__file__)
BUILDER = "captioning.build_captioner"
SPECIALS = ("<pad>", "<unk>", "<start>", "<end>")
PAD, UNK, START, END = range(4)
# The grader's vocabulary: the specials, then every word of the scenes' grammar.
VOCAB = (*SPECIALS, "a", *scenes.COLOURS, *scenes.SHAPES, "left", "right", "of", "above", "below")
INDEX = {w: i for i, w in enumerate(VOCAB)}
CONTROLS = {"untrained": "as the builder makes it, before any training",
            "scrambled": "with the entries of each trained parameter array shuffled"}
SPLITS = ("val", "test")
METRICS = {"exact": "exact-caption accuracy", "truthful": "truthfulness", "bleu": "corpus BLEU-4"}
NOT_GREEDY = "a generate that does not take the argmax of the model's own logits at each step (greedy decoding)"
IMAGE_BLIND = "a decoder that ignores the image (the encoder's features)"
LOOKS_AHEAD = "a decoder whose logits at position t read later words of captions_in (it sees the word it predicts)"
WHAT_GOES_WRONG = {"grammar": "do not parse by the grammar (\"a <colour> <shape> [<relation> a <colour> <shape>]\")",
                   "count": "mention another number of things than the scene holds",
                   "colour": "name a wrong colour", "shape": "name a wrong shape",
                   "relation": "name a wrong relation (left of, right of, above, below)"}


# --- the scenes, their captions as ids, and the training run -----------------------------------------


@functools.lru_cache(maxsize=8)
def _scenes(n, seed, size):
    images, drawn = scenes.generate(n, seed, size)
    images.setflags(write=False)
    return images, tuple(drawn)


def data(cfg, split):
    """The images and scenes of `split` ("train", "val" or "test"), drawn from the course secret."""
    return _scenes(cfg[f"n_{split}"], heldout.secret_seed(f"week6.scenes.{split}"), cfg["size"])


def encode(captions, max_words):
    """Captions as the grader's ids (N, max_words + 2): <start>, the words, <end>, then <pad>."""
    ids = np.full((len(captions), max_words + 2), PAD, dtype=np.int64)
    for row, caption in zip(ids, captions):
        words = [INDEX[w] for w in caption.split()][:max_words]
        row[:len(words) + 2] = [START, *words, END]
    return ids


def without_start(ids) -> np.ndarray:
    """Generated ids (N, L) without their first column when every row starts with <start>."""
    ids = np.asarray(ids)
    return ids[:, 1:] if ids.shape[1] and (ids[:, 0] == START).all() else ids


def words_of(ids) -> list[str]:
    """Generated ids (N, L) as captions: a leading <start> column left out, each row read up to its
    first <end>, the special tokens dropped."""
    out = []
    ids = without_start(ids)
    for row in ids:
        row = list(row)
        row = row[:row.index(END)] if END in row else row
        out.append(" ".join(VOCAB[i] for i in row if i >= len(SPECIALS)))
    return out


def recipe(cfg) -> Recipe:
    return Recipe(trainer="torch_caption", epochs=cfg["epochs"], batch_size=cfg["batch_size"], lr=cfg["lr"],
                  optimizer="adam", seed=cfg["seed"], max_seconds=cfg["max_seconds"])


def untrained_captioner(vocab_size) -> Trained:
    return Trained(builder=BUILDER, args=[vocab_size], kwargs={}, recipe=recipe(RUBRIC["captioner"]), params=[])


def corpus_bleu(captions, drawn) -> float:
    """nltk's corpus BLEU-4 of captions against each scene's true captions (no smoothing)."""
    return nltk_bleu([[r.split() for r in s.references] for s in drawn], [c.split() for c in captions])


def judged(captions, drawn) -> dict:
    """Exact-caption accuracy, truthfulness, BLEU and the rate of each mistake (scenes.judge)."""
    out = scenes.judge(captions, list(drawn))
    out["bleu"] = corpus_bleu(captions, drawn)
    return out


def trained_captioner(sub, ref):
    """build_captioner trained with the [captioner] recipe and judged on the validation and test
    scenes (its controls on the first n_controls of each), once per grading: a dict with "trained",
    "captions" ({split: [str]}), "scores" ({split: judged}) and "controls" ({control: {split: judged}})."""
    cfg = ref.rubric["captioner"]
    X_train, train_scenes = data(cfg, "train")
    held = {split: data(cfg, split) for split in SPLITS}
    r = recipe(cfg)
    what = "build_captioner"
    m = cfg["n_controls"]

    def captions(trained, images, **extra):
        return words_of(generated_ids(sub, trained, images, cfg["max_len"], len(VOCAB), what=what, cut=True, end=END,
                                      **extra))

    def make():
        ids = encode([s.caption for s in train_scenes], cfg["max_words"])
        trained = train(sub, BUILDER, [len(VOCAB)], recipe=r, X_train=X_train, y_train=ids, device=ref.device,
                        what=what)
        result = {"trained": trained, "captions": {}, "scores": {}, "controls": {}}
        images = np.concatenate([held[s][0] for s in SPLITS])
        got = captions(trained, images)
        start = 0
        for split in SPLITS:
            n = len(held[split][1])
            result["captions"][split] = got[start:start + n]
            result["scores"][split] = judged(got[start:start + n], held[split][1])
            start += n
        rng = np.random.default_rng()  # fresh entropy: the submission cannot predict the shuffle
        few = np.concatenate([held[s][0][:m] for s in SPLITS])
        for control, extra in (("untrained", {"untrained": True}),
                               ("scrambled", {"params": scrambled_parameters(trained, rng)})):
            try:
                got = captions(trained, few, **extra)
            except CheckFailed:  # ids that break the contract (judged by week6.captioner) reach no threshold
                got = [""] * len(few)
            result["controls"][control] = {s: judged(got[k * m:(k + 1) * m], held[s][1][:m])
                                           for k, s in enumerate(SPLITS)}
        return result

    return once(sub, ("captioner", ref.device, repr(sorted(cfg.items()))), make)


def describe_recipe(cfg) -> str:
    return (f"{cfg['epochs']} epochs of Adam, lr {cfg['lr']:g}, batches of {cfg['batch_size']}, {cfg['n_train']} "
            f"scenes")


def looks_ahead(sub, trained, cfg) -> float:
    """The largest relative change of the trained model's logits at a position t when the words after
    it change: forward on 64 training captions whole, against forward on the same captions with every
    word after position t replaced by <pad>, for each t (one batch)."""
    X, drawn = data(cfg, "train")
    ids = encode([s.caption for s in drawn[:64]], cfg["max_words"])[:, :-1]
    T = ids.shape[1]
    cuts = [ids]
    for t in range(T - 1):
        cut = ids.copy()
        cut[:, t + 1:] = PAD
        cuts.append(cut)
    logits = caption_logits(sub, trained, np.concatenate([X[:64]] * T), np.concatenate(cuts), what="build_captioner")
    full, worst = logits[:64], 0.0
    for t in range(T - 1):
        part = logits[64 * (t + 1):64 * (t + 2), t]
        worst = max(worst, float((np.abs(full[:, t] - part) / (1.0 + np.abs(part))).max()))
    return worst


def judge_quality(sub, ref, split, split_name, metric):
    """Train build_captioner (once per grading) and judge `metric` of its captions of the `split` scenes."""
    cfg = ref.rubric["captioner"]
    threshold = ref.rubric["quality"][metric]
    run = trained_captioner(sub, ref)
    label = METRICS[metric]
    what = (f"build_captioner({len(VOCAB)}) trained with the fixed recipe ({describe_recipe(cfg)}) and captioning "
            f"the {split_name} scenes greedily")
    for control, by_split in run["controls"].items():
        if by_split[split][metric] >= threshold:
            raise CheckFailed(f"{what}: the network {CONTROLS[control]}, reaches the threshold: its {label} is "
                              f"{by_split[split][metric]:.3f} (threshold {threshold:g}). Its captions do not come from "
                              "the parameters the grader trained. They must be earned by what the network learns in "
                              "training.")
    scores = run["scores"][split]
    got = scores[metric]
    if got >= threshold:
        return got
    trained = run["trained"]
    stopped = (f"Training was stopped after {len(trained.history)} of {trained.recipe.epochs} epochs by the time "
               f"limit of {trained.recipe.max_seconds:g} s. " if trained.stopped_early else "")
    summary = (f"{what}: {label} {got:.3f}, below the threshold {threshold:g} (exact {scores['exact']:.3f}, truthful "
               f"{scores['truthful']:.3f}, BLEU-4 {scores['bleu']:.3f}). {stopped}")
    final = trained.history[-1] if trained.history else float("nan")
    if "lookahead" not in run:
        run["lookahead"] = looks_ahead(sub, trained, cfg)
    if run["lookahead"] > cfg["lookahead_rtol"]:
        raise CheckFailed(summary + f"Its logits at a position change when later words of captions_in change (relative "
                          f"difference {run['lookahead']:.3g}; its training loss fell to {final:.3g} nats per word). "
                          "With teacher forcing, the logits at position t must depend on the image and "
                          "captions_in[:, :t + 1] only; otherwise the decoder learns to copy the word it should predict, "
                          "which generate does not have.", mistake=LOOKS_AHEAD)
    captions = run["captions"][split]
    common, count = max(((c, captions.count(c)) for c in set(captions)), key=lambda x: x[1])
    if count >= 0.5 * len(captions):
        raise CheckFailed(summary + f"It writes \"{common}\" for {count} of {len(captions)} scenes: the captions hardly "
                          "depend on the image. The decoder must read the encoder's features (as its first hidden "
                          "state, or beside each word at every step), and the encoder must keep where things are.",
                          mistake=IMAGE_BLIND)
    wrong = sorted(((rate, m) for m, rate in scores["mistakes"].items() if rate > 0), reverse=True)
    parts = [f"{rate:.0%} {WHAT_GOES_WRONG[m]}" for rate, m in wrong]
    detail = ("Of its captions, " + "; ".join(parts) + ". ") if parts else ""
    raise CheckFailed(summary + detail + f"Final training loss {final:.3f} nats per word. A small CNN (three "
                      "convolutions with pooling, batch normalisation helps) whose features a GRU or LSTM of ~128 "
                      "units reads at every step, beside the embedding of the previous word, gets there within the "
                      "recipe.")


# --- week6.captioner ---------------------------------------------------------------------------------


def images_of(n, seed):
    return scenes.generate(n, seed)[0]


def assert_logits(sub, vocab_size, n, T, seed):
    """forward of build_captioner(vocab_size) as built gives finite logits (n, T, vocab_size)."""
    captions_in = np.random.default_rng(seed).integers(0, vocab_size, size=(n, T))
    captions_in[:, 0] = START
    what = f"build_captioner({vocab_size}) (before training)"
    out = caption_logits(sub, untrained_captioner(vocab_size), images_of(n, seed), captions_in, what=what,
                         untrained=True)
    if out.shape[-1] != vocab_size:
        raise CheckFailed(f"{what}'s forward gives {out.shape[-1]} logits per position, expected V = {vocab_size}")


@check("week6.captioner", points=1)
def captioner_forward_shapes(sub, ref):
    """Check that build_captioner(V) as built maps images (N, 3, 32, 32) and captions_in (N, T) to finite logits (N, T, V), for V = 18 and 11 and T = 1 and 9."""
    for V in (len(VOCAB), 11):
        for T in (1, 9):
            assert_logits(sub, V, 3, T, 600 + V + T)


def generate_untrained(sub, vocab_size, n, max_len, seed):
    what = f"build_captioner({vocab_size}) (before training)"
    return generated_ids(sub, untrained_captioner(vocab_size), images_of(n, seed), max_len, vocab_size, what=what,
                         untrained=True, end=END)


@check("week6.captioner", points=1)
def captioner_generate_shapes(sub, ref):
    """Check that generate(images, max_len) of build_captioner(18) as built returns ids in [0, V) of shape (N, L) with L ≤ max_len, for max_len = 10 and 3."""
    for max_len in (10, 3):
        generate_untrained(sub, len(VOCAB), 4, max_len, 610 + max_len)


def assert_greedy(sub, trained, images, cfg, vocab_size, what, untrained=False):
    """generate's ids are, at every position up to the first <end>, an argmax of forward's logits given
    the image and <start> followed by the ids generated before (within greedy_rtol of the largest logit).
    Rows longer than max_len are cut to it: their length is the shape checks' to judge."""
    ids = without_start(generated_ids(sub, trained, images, cfg["max_len"], vocab_size, what=what,
                                      untrained=untrained, cut=True, end=END))
    if ids.shape[1] == 0:
        raise CheckFailed(f"{what}.generate returned no ids: it must write at least one word (or <end>)")
    captions_in = np.concatenate([np.full((len(ids), 1), START), ids[:, :-1]], axis=1)
    logits = caption_logits(sub, trained, images, captions_in, what=what, untrained=untrained)
    if logits.shape[-1] != vocab_size:
        raise CheckFailed(f"{what}'s forward gives {logits.shape[-1]} logits per position, expected V = {vocab_size}")
    tol = cfg["greedy_rtol"]
    for n, row in enumerate(ids):
        for t, word in enumerate(row):
            best = logits[n, t].max()
            if logits[n, t, word] < best - tol * (1 + abs(best)):
                raise CheckFailed(
                    f"{what}: for image {n}, generate wrote id {word} at position {t}, but given the image and the ids "
                    f"before it forward's logits are highest for id {int(logits[n, t].argmax())} ({best:.4g} against "
                    f"{logits[n, t, word]:.4g}). Greedy decoding feeds each chosen id back and takes the argmax of the "
                    "next logits, the same model forward computes.", mistake=NOT_GREEDY)
            if word == END:
                break


@check("week6.captioner", points=1)
def generate_is_greedy(sub, ref):
    """Check that generate of build_captioner(18) as built is greedy decoding of the model's forward: each generated id is the argmax of forward's logits given the image and the ids generated before it."""
    cfg = RUBRIC["captioner"]
    assert_greedy(sub, untrained_captioner(len(VOCAB)), images_of(16, 620), cfg, len(VOCAB),
                  f"build_captioner({len(VOCAB)}) (before training)", untrained=True)


# --- week6.quality -----------------------------------------------------------------------------------


@check("week6.quality", points=1, name="exact-caption accuracy on the validation scenes reaches the threshold")
def exact_on_validation(sub, ref):
    """Check that the captioner trained on the scenes writes, for at least the threshold's share of the validation scenes, the scene's canonical caption word for word."""
    judge_quality(sub, ref, "val", "validation", "exact")


@check("week6.quality", points=1, name="truthfulness on the validation scenes reaches the threshold")
def truthful_on_validation(sub, ref):
    """Check that the captioner's captions of the validation scenes parse by the scenes' grammar and are true of the scene for at least the threshold's share of them."""
    judge_quality(sub, ref, "val", "validation", "truthful")


@check("week6.quality", points=1, name="corpus BLEU-4 on the validation scenes reaches the threshold")
def bleu_on_validation(sub, ref):
    """Check that the corpus BLEU-4 (nltk's) of the captioner's captions of the validation scenes against their true captions reaches the threshold."""
    judge_quality(sub, ref, "val", "validation", "bleu")
