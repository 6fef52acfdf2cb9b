# %% [markdown]
# # Week 6: Final project: image captioning
#
# This week a network looks at a picture and **writes a sentence about it**. It brings the
# course together: a convolutional network (week 3) reads the image, a recurrent decoder
# (week 5) writes the caption one word at a time, and the two are trained together, end to
# end, on pairs of images and captions. You write the pieces around it too: the **vocabulary**
# that turns captions into ids and back, and **BLEU**, the usual score of generated text
# against reference captions.
#
# The pictures are **scenes** of one or two coloured shapes, and their captions come from a
# small grammar ("a red circle left of a blue square"). Because every scene's content is
# known, any caption a model writes can be *judged*: is it the caption we trained on, is it
# true of the picture, and if not, what does it get wrong, a colour, a shape, the relation?
# Real captioning data (photos with captions written by people) has no such answer key;
# BLEU is how the field measures it, and here you can see what BLEU rewards and what it misses.
#
# **How the week works**
#
# 1. Your code goes in the three module files next to this notebook: `text.py` (the
#    vocabulary and the encoding of captions, NumPy and the standard library only), `bleu.py`
#    (corpus BLEU-4, likewise) and `captioning.py` (the captioner, in PyTorch). Each exercise is
#    a function whose body is `raise NotImplementedError("week6.…")`. Replace that line with
#    your code. The `README.md` in the same folder gives each exercise's exact contract.
# 2. Run this notebook (*Kernel → Restart & Run All*) to see your code at work. Where an
#    exercise is not done yet, a demo prints which one to implement instead of failing.
# 3. Run the self-check at the end (or `dlgrade check week6` in a terminal) until every
#    public check passes.
# 4. Submit the three module files.
#
# The notebook contains no solutions: every exercise it runs is your own code. The locked
# *autograder* cell after each exercise is for your instructor's grading. It grades your
# module files in a separate process. Leave those cells as they are.

# %%
# Setup. The notebook runs from the folder that holds your module files.
import math
import pathlib
import sys
import time
import traceback
import warnings
from collections import Counter
from contextlib import contextmanager

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

try:  # draw figures in the notebook even where MPLBACKEND names another backend
    get_ipython().run_line_magic("matplotlib", "inline")
except NameError:  # not running under IPython
    pass

# Your module files, from this notebook's folder (whatever its name), imported afresh each
# time this cell runs, so that edits count without restarting the kernel.
from grader.notebook import import_week, week_data

import_week("week6")
from week6_captioning import bleu, captioning, text

# The week's scenes: the same generator the grader draws its (secret) training and held-out scenes from.
scenes = week_data("week6", "scenes")

torch.set_num_threads(1)  # the whole notebook runs in about a minute on one CPU thread


@contextmanager
def demo(what):
    """Run a demo of your code; an unfinished exercise or an error prints a message instead of stopping the notebook."""
    try:
        yield
    except NotImplementedError as e:
        plt.close("all")
        frame = traceback.extract_tb(e.__traceback__)[-1]
        exercise = str(e) or frame.name
        print(f"{exercise} is not implemented yet — implement it in {pathlib.Path(frame.filename).name} to see {what}.")
    except Exception as e:
        plt.close("all")
        print(f"Your code raised an error, so {what} cannot be shown:")
        traceback.print_exception(type(e), e, e.__traceback__.tb_next, file=sys.stdout)  # from the demo's code on


def two_lines(caption):
    """A caption broken after its first thing, to fit under a small picture."""
    words = caption.split()
    return " ".join(words[:3]) + ("\n" + " ".join(words[3:]) if len(words) > 3 else "\n")


def show_scenes(images, titles, below=None, colours=None, suptitle=None, cols=6, fontsize=7.5):
    """A grid of scenes, each with its title above (black) and, if given, a text below (in its colour)."""
    rows = math.ceil(len(images) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.3 * cols, (2.7 + 0.45 * (below is not None)) * rows),
                             squeeze=False, layout="constrained")
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < len(images):
            ax.imshow(np.transpose(images[k], (1, 2, 0)))
            ax.set_title(titles[k], fontsize=fontsize)
            if below is not None:
                ax.text(0.5, -0.03, below[k], transform=ax.transAxes, ha="center", va="top", fontsize=fontsize,
                        color=colours[k] if colours else "black")
    if suptitle:
        fig.suptitle(suptitle)
    plt.show()


# %% [markdown]
# ## 1. The scenes
#
# Each scene is a $32\times32$ colour image (three channels, values in $[0, 1]$) of one thing
# (30% of the scenes) or two (70%) on a dark background with pixel noise. A thing is one of 5
# colours and 3 shapes, drawn uniformly; two things lie apart mostly along one axis, so that
# exactly one relation describes them. The captions follow the grammar
#
# ```
# caption  := thing | thing relation thing
# thing    := "a" colour shape
# colour   := "red" | "green" | "blue" | "yellow" | "white"
# shape    := "circle" | "square" | "triangle"
# relation := "left of" | "right of" | "above" | "below"
# ```
#
# A scene of two things has two true captions, "a red circle left of a blue square" and its
# converse "a blue square right of a red circle". The captioner is trained on one of them, the
# **canonical caption**, which names the left (or the upper) thing first; both count as its
# **references** when BLEU scores a caption. `scenes.generate(n, seed)` draws `n` scenes: their
# images, float32 of shape $(n, 3, 32, 32)$, and the scenes themselves, with `.caption`,
# `.references` and `.things` (the scene graph: colour, shape and place of each thing).
#
# The scene graph lets `scenes.mistakes(caption, scene)` say what a caption gets wrong:
# `"grammar"` (it does not parse), `"count"` (it mentions another number of things), else the
# parts that do not hold, `"colour"`, `"shape"`, `"relation"`. A caption is **true** of a scene when
# nothing is wrong; `scenes.judge(captions, scenes)` gives, over a set of scenes, the share of
# captions that are the canonical caption word for word (**exact**), the share that are true
# (**truthful**) and the rate of each mistake.

# %%
train_images, train_scenes = scenes.generate(3000, seed=0)  # the notebook's own scenes, public seeds
test_images, test_scenes = scenes.generate(500, seed=1)
show_scenes(train_images[:12], [two_lines(s.caption) for s in train_scenes[:12]],
            suptitle="Training scenes and their canonical captions")

example = next(s for s in train_scenes  # two things that differ in colour and in shape
               if len(s.things) == 2 and len({t.colour for t in s.things}) == len({t.shape for t in s.things}) == 2)
print("a scene of two things:",
      ", ".join(f"{t.colour} {t.shape} at (x={t.x:.0f}, y={t.y:.0f})" for t in example.things))
print("its references:", " | ".join(example.references))
words = example.caption.split()
rel = " ".join(words[3:-3])
other = next(c for c in scenes.COLOURS if c not in (words[1], words[-2]))
for said in (example.caption, example.references[1], " ".join(["a", other, *words[2:]]),
             example.caption.replace(rel, scenes.CONVERSE[rel]), " ".join(words[:3]),
             example.caption.replace(rel, "next to")):
    wrong = sorted(scenes.mistakes(said, example))
    print(f"  {said!r:46} {'true' if not wrong else 'wrong: ' + ', '.join(wrong)}")

# %% [markdown]
# ## 2. The vocabulary and the encoding of captions
#
# A network reads and writes numbers, not words. `build_vocab(captions, min_count)` lists the
# words it will know: first four **special tokens**, then every word seen at least `min_count` times
# in the training captions, the most frequent first (ties in alphabetical order); a word's id is its
# index in that list.
#
# | id | token | meaning |
# |---|---|---|
# | 0 | `<pad>` | fills a row after its caption ends, so that captions of different lengths stack into one array |
# | 1 | `<unk>` | any word the vocabulary does not hold |
# | 2 | `<start>` | the first input of the decoder: "begin a caption" |
# | 3 | `<end>` | the decoder writes it when the caption is finished |
#
# `encode_captions(captions, vocab, max_len)` turns each caption into a row of `max_len + 2` ids:
# `<start>`, the ids of its first `max_len` words, `<end>`, then `<pad>`s. `decode_caption(ids,
# vocab)` reads a row back into words, stopping at the first `<end>` and leaving the special
# tokens out: it turns what the captioner generates into text.
#
# Below, your vocabulary of the training captions, with how often each word appears (the bars
# must come in decreasing order), the first captions encoded, one decoded back, and a caption with
# a word the vocabulary lacks, encoded with `max_len=4`. The canonical captions never say "right
# of" or "below", so this vocabulary has 16 ids, not 18. The grader trains your captioner with a
# vocabulary of its own, the 4 specials and all 14 words of the grammar (18 ids, in another
# order), so that `build_captioner(vocab_size)` must work for any vocabulary.

# %%
MAX_WORDS = 8  # a caption of the grammar has at most 8 words
vocab = None
with demo("your vocabulary"):
    train_captions = [s.caption for s in train_scenes]
    vocab = list(text.build_vocab(train_captions, 1))
    counts = Counter(w for c in train_captions for w in c.split())
    print(f"{len(vocab)} ids:", ", ".join(f"{i}={w}" for i, w in enumerate(vocab)))
    encoded = np.asarray(text.encode_captions(train_captions[:10], vocab, MAX_WORDS))
    print(f"encode_captions of 10 captions with max_len={MAX_WORDS}: an array of shape {encoded.shape}")
    print(f"{train_captions[0]!r} -> {encoded[0].tolist()} -> {text.decode_caption(encoded[0], vocab)!r}")
    odd = ["a purple circle left of a blue square"]
    short = np.asarray(text.encode_captions(odd, vocab, 4))[0]
    print(f"{odd[0]!r} with max_len=4 -> {short.tolist()} -> {text.decode_caption(short, vocab)!r}")

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 4.2), gridspec_kw={"width_ratios": [1, 1.3]})
    words = vocab[4:]
    ax1.bar(range(len(words)), [counts[w] for w in words])
    ax1.set_xticks(range(len(words)), words, rotation=60, fontsize=8)
    ax1.set(ylabel="times in the training captions", title="Your vocabulary after the 4 specials (ids 4, 5, …)")
    ax2.imshow(encoded, cmap="tab20", vmin=0, vmax=19, aspect="auto")
    for (i, j), token in np.ndenumerate(encoded):
        word = vocab[int(token)] if 0 <= int(token) < len(vocab) else "?"
        ax2.text(j, i, f"{int(token)}\n{word.strip('<>')}", ha="center", va="center", fontsize=6.5)
    ax2.set(xlabel="position", ylabel="caption", title="The first training captions encoded (one row each)")
    fig.tight_layout()
    plt.show()

# %% [autograde] week6.vocab

# %% [markdown]
# ## 3. BLEU
#
# How good is a generated caption? With people's captions there is no single right answer, and
# the usual score, **BLEU** (Papineni et al., 2002), measures how much of the hypothesis's
# wording appears in the references. For $n = 1, \dots, 4$ it computes a precision over the
# whole corpus,
#
# $$p_n = \frac{\sum_\text{hypotheses} \sum_{g \,\in\, n\text{-grams of the hypothesis}}
#                \min\big(\text{count}(g),\; \max_\text{reference} \text{count}_\text{ref}(g)\big)}
#              {\sum_\text{hypotheses} \max\big(1,\ \text{number of } n\text{-grams of the hypothesis}\big)},$$
#
# and combines them with a **brevity penalty**:
#
# $$\text{BLEU} = \text{BP}\cdot \exp\Big(\tfrac14 \sum_{n=1}^4 \log p_n\Big), \qquad
#   \text{BP} = \begin{cases} 1 & c > r \\ e^{\,1 - r/c} & c \le r \end{cases}$$
#
# where $c$ is the total length of the hypotheses and $r$ the sum, over hypotheses, of the length
# of the reference closest in length to each (the shorter one on a tie). A precision of 0 makes
# the score 0 (no smoothing). This is what `nltk.translate.bleu_score.corpus_bleu` computes, and
# what your `corpus_bleu(references, hypotheses)` must compute: `references` holds, for each
# hypothesis, a list of references, each a list of words; every hypothesis is a list of words.
#
# Each part of the formula is there to stop a cheap way to score well. Below, hand-made examples
# in the scenes' language, each computed by hand, by your `corpus_bleu` and by nltk's.
#
# - **Clipping.** Against "a red circle left of a blue square", the hypothesis "a red circle left of a
#   red circle" repeats "red circle"; each n-gram counts at most as often as in the reference. Its
#   clipped precisions are $6/8$ ("red" and "circle" match once each, "a" twice), $5/7$, $4/6$, $3/5$;
#   without clipping they would be $8/8, 7/7, 5/6, 3/5$. (The classic extreme: "a a a a a a a a"
#   has unigram precision $2/8$, not $8/8$.)
# - **Brevity.** "a red circle left of" has every n-gram in the reference, so every $p_n = 1$:
#   precision alone would give a perfect score for saying less. Its 5 words against 8 cost
#   $\text{BP} = e^{1 - 8/5} \approx 0.549$.
# - **Several references.** The converse "a blue square right of a red circle" is as true as the
#   canonical caption, but shares no 4-gram with it: against the canonical caption alone it scores
#   0; against both references, 1. This is why the grader scores captions against both.
# - **Corpus, not sentences.** A 3-word caption has no 4-gram, so $p_4 = 0/1$ for it alone, and its
#   sentence BLEU is 0 however right it is. Summing the counts over the corpus first, one perfect
#   caption of each kind scores $(5/6)^{1/4}$ together, not the average $(1 + 0)/2$ of their
#   sentence scores.

# %%
CANON, CONVERSE = "a red circle left of a blue square", "a blue square right of a red circle"
BLEU_EXAMPLES = [  # (what, references per hypothesis, hypotheses, the score by hand)
    ("identical", [[CANON]], [CANON], 1.0),
    ("clipping: 'red circle' twice", [[CANON]], ["a red circle left of a red circle"],
     (6 / 8 * 5 / 7 * 4 / 6 * 3 / 5) ** 0.25),
    ("  the same without clipping (wrong)", None, None, (8 / 8 * 7 / 7 * 5 / 6 * 3 / 5) ** 0.25),
    ("brevity: 5 words of 8", [[CANON]], ["a red circle left of"], math.exp(1 - 8 / 5)),
    ("a longer hypothesis: no penalty", [[CANON]], [CANON + " a"], (8 / 9 * 7 / 8 * 6 / 7 * 5 / 6) ** 0.25),
    ("the converse, one reference", [[CANON]], [CONVERSE], 0.0),
    ("the converse, both references", [[CANON, CONVERSE]], [CONVERSE], 1.0),
    ("a perfect 3-word caption alone", [["a green triangle"]], ["a green triangle"], 0.0),
    ("it and the identical one, a corpus", [[CANON], ["a green triangle"]], [CANON, "a green triangle"],
     (5 / 6) ** 0.25),
    ("  their sentence scores averaged (wrong)", None, None, 0.5),
]


def nltk_bleu(references, hypotheses):
    """nltk's corpus BLEU-4 (no smoothing), the contract's oracle; 0 where nltk returns its ~1e-77 for log 0."""
    from nltk.translate.bleu_score import corpus_bleu as nltk_corpus_bleu

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nltk warns when a precision is 0: the score is then 0, as meant
        score = nltk_corpus_bleu(references, hypotheses)
    return score if score > 1e-60 else 0.0


with demo("your BLEU"):
    rows = []
    for what, refs, hyps, by_hand in BLEU_EXAMPLES:
        if refs is None:
            rows.append(f"{what:43} {by_hand:8.4f}")
            continue
        refs = [[r.split() for r in rs] for rs in refs]
        hyps = [h.split() for h in hyps]
        rows.append(f"{what:43} {by_hand:8.4f} {float(bleu.corpus_bleu(refs, hyps)):8.4f} {nltk_bleu(refs, hyps):8.4f}")
    print(f"{'':43} {'by hand':>8} {'yours':>8} {'nltk':>8}", *rows, sep="\n")

    # The brevity penalty: the first k words of the canonical caption, against it.
    ks = np.arange(1, 9)
    prefix_scores = [float(bleu.corpus_bleu([[CANON.split()]], [CANON.split()[:k]])) for k in ks]
    fine = np.linspace(4, 8, 100)
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    ax.plot(fine, np.exp(1 - 8 / fine), color="0.6", label="BP = exp(1 − 8/k)")
    ax.plot(ks, prefix_scores, "o", color="C0", label="your corpus_bleu")
    ax.set(xlabel="k, the number of words kept", ylabel="BLEU-4", ylim=(-0.05, 1.05),
           title="The first k words of a reference, scored against it")
    ax.annotate("fewer than 4 words:\nno 4-gram, p₄ = 0", (2, 0), (1.2, 0.35), fontsize=8,
                arrowprops={"arrowstyle": "->", "color": "0.4"})
    ax.legend(loc="upper left", fontsize=8)
    plt.show()

# %% [autograde] week6.bleu

# %% [markdown]
# ## 4. The captioner
#
# `build_captioner(vocab_size)` returns a PyTorch module with two methods.
#
# - `forward(images, captions_in)` is what training uses. With **teacher forcing**, the decoder
#   reads the true caption shifted by one, `<start> w₁ … w_k`, and at every position predicts the
#   next word, `w₁ … w_k <end>`: the logits $(N, T, V)$ at position $t$ may depend on the image and
#   on `captions_in[:, :t + 1]` only. A decoder that reads further ahead learns to copy the word it
#   should predict, which it will not have when it writes alone.
# - `generate(images, max_len)` writes captions alone, **greedily**: it starts from `<start>` and at
#   each step feeds back the id whose logit is largest, until `<end>` (or `max_len` ids). It must be
#   the same model as `forward`: each id it writes is the argmax of what `forward` computes given the
#   ids before it.
#
# A good design for these scenes: a small CNN **encoder** (three convolutions with batch norm,
# ReLU and pooling, then a linear layer) turns the image into a feature vector, and a GRU (or LSTM)
# **decoder** of ~128 units reads, at every step, the embedding of the previous word beside that
# vector, with a linear read-out to the vocabulary. The features must keep *where* things are,
# or no relation can be told: average the CNN's output over the image and "left of" is lost.
#
# Below, on your captioner as built (untrained, so its captions are nonsense): the shapes of what it
# returns, whether its logits at a position change when later words change (they must not), and
# whether `generate` is greedy decoding of `forward`.

# %%
V = 18  # the grader's vocabulary size: the 4 specials and the 14 words of the grammar
with demo("your captioner's shapes"):
    torch.manual_seed(0)
    model = captioning.build_captioner(V)
    model.eval()
    print(f"build_captioner({V}): {sum(p.numel() for p in model.parameters()):,} parameters")
    images = torch.as_tensor(test_images[:16])
    words = torch.randint(4, V, (16, 9), generator=torch.Generator().manual_seed(0))
    words[:, 0] = 2  # <start>
    with torch.no_grad():
        logits = model(images, words)
        print(f"forward(images {tuple(images.shape)}, captions_in {tuple(words.shape)}) -> "
              f"logits {tuple(logits.shape)}")
        later = words.clone()
        later[:, 5:] = torch.randint(4, V, (16, 4), generator=torch.Generator().manual_seed(1))
        changed = (model(images, later) - logits).abs().amax(dim=(0, 2))
    print("largest change of the logits at positions 0 … 8 when the words at positions 5 … 8 change:")
    print("  " + " ".join(f"{c:.1e}" for c in changed.tolist()) + "  (positions 0 … 4 must not change)")
    ids = torch.as_tensor(np.asarray(model.generate(images, 10)))
    print(f"generate(images, max_len=10) -> ids of shape {tuple(ids.shape)}; the first row: {ids[0].tolist()}")
    if ids.shape[1] and bool((ids[:, 0] == 2).all()):
        ids = ids[:, 1:]  # a leading <start> column is read past
    with torch.no_grad():
        logits = model(images, torch.cat([torch.full((16, 1), 2), ids[:, :-1]], dim=1))
    greedy = 0
    for n in range(len(ids)):
        for t, word in enumerate(ids[n].tolist()):
            best = logits[n, t].max().item()
            if not 0 <= word < V or logits[n, t, word] < best - 1e-4 * (1 + abs(best)):
                break
            if word == 3:  # <end>
                greedy += 1
                break
        else:
            greedy += 1
    print(f"generate's ids are forward's argmax given the ids before them for {greedy} of {len(ids)} images")

# %% [autograde] week6.captioner

# %% [markdown]
# ## 5. Training your captioner
#
# The captioner is trained as the grader trains it: Adam with learning rate $3\cdot10^{-3}$, batches
# of 64, teacher forcing with the cross-entropy of `forward(images, ids[:, :-1])` against
# `ids[:, 1:]` at every position whose target is not `<pad>` (`ignore_index=0`). The grader trains
# on 4000 scenes for 8 epochs; here 3000 scenes for 8 epochs, 20 to 30 seconds on one CPU thread.
# After each epoch, the captioner writes captions of 500 held-out scenes with `generate`, read by
# your `decode_caption`, and they are judged: exact, truthful, and your corpus BLEU-4 against the
# scenes' references.

# %%
LR, BATCH, EPOCHS = 3e-3, 64, 8


def caption(model, images, max_len=10):
    """Your captioner's captions of images (N, 3, 32, 32), through your generate and decode_caption."""
    model.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(images), 500):
            ids = np.asarray(model.generate(torch.as_tensor(images[start:start + 500]), max_len))
            out += [text.decode_caption(row, vocab) for row in ids]
    return out


def corpus_bleu_of(captions, drawn):
    """Your corpus_bleu of captions against each scene's references; nan while week6.bleu is not implemented."""
    try:
        return float(bleu.corpus_bleu([[r.split() for r in s.references] for s in drawn],
                                      [c.split() for c in captions]))
    except NotImplementedError:
        return float("nan")


captioner, curve = None, {"loss": [], "batch loss": [], "exact": [], "truthful": [], "bleu": []}
with demo("your captioner trained"):
    start = time.perf_counter()
    ids = torch.as_tensor(np.asarray(text.encode_captions([s.caption for s in train_scenes], vocab, MAX_WORDS),
                                     dtype=np.int64))
    images = torch.as_tensor(train_images)
    torch.manual_seed(0)
    model = captioning.build_captioner(len(vocab))
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    for epoch in range(EPOCHS + 1):
        if epoch > 0:
            model.train()
            order, total = torch.randperm(len(ids)), 0.0
            for k in range(0, len(ids), BATCH):
                batch = order[k:k + BATCH]
                logits = model(images[batch], ids[batch, :-1])
                loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids[batch, 1:].reshape(-1), ignore_index=0)
                opt.zero_grad()
                loss.backward()
                opt.step()
                curve["batch loss"].append(loss.item())
                total += loss.item() * len(batch)
            curve["loss"].append(total / len(ids))
        written = caption(model, test_images)
        judged = scenes.judge(written, test_scenes)
        curve["exact"].append(judged["exact"])
        curve["truthful"].append(judged["truthful"])
        curve["bleu"].append(corpus_bleu_of(written, test_scenes))
        when = f"epoch {epoch}: training loss {curve['loss'][-1]:.3f}" if epoch else "before training"
        print(f"{when}; held out: exact {judged['exact']:.3f}, truthful {judged['truthful']:.3f}, "
              f"BLEU-4 {curve['bleu'][-1]:.3f}")
    captioner = model
    print(f"trained and judged in {time.perf_counter() - start:.1f} s")
    if math.isnan(curve["bleu"][-1]):
        print("week6.bleu is not implemented yet — implement corpus_bleu in bleu.py to see the captions' BLEU.")

if captioner is not None:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.2))
    steps = len(curve["batch loss"]) / EPOCHS
    ax1.semilogy(np.arange(1, len(curve["batch loss"]) + 1) / steps, curve["batch loss"], color="0.7", lw=0.8,
                 label="training batches")
    ax1.semilogy(np.arange(1, EPOCHS + 1), curve["loss"], "o-", color="C0", label="mean over the epoch")
    ax1.set(xlabel="epoch", ylabel="cross-entropy (nats per word)", title="Training loss (teacher forcing)")
    ax1.legend(fontsize=8)
    for key, label in (("exact", "exact caption"), ("truthful", "truthful"), ("bleu", "corpus BLEU-4 (yours)")):
        ax2.plot(range(EPOCHS + 1), curve[key], "o-", ms=4, label=label)
    ax2.set(xlabel="epoch", ylabel="on 500 held-out scenes", ylim=(-0.03, 1.03),
            title="Its own captions (greedy), after each epoch")
    ax2.legend(fontsize=8)
    plt.show()

# %% [markdown]
# The training loss falls steadily, but the captions lag behind it: teacher forcing scores one word
# at a time given the *true* words before it, while `generate` feeds back its *own* words, so one
# early mistake (a wrong colour, say) is a caption lost. Exact and truthful are the same curve here:
# trained on canonical captions only, the captioner writes the left (or upper) thing first; it
# cannot even write a converse caption, true but not canonical, as its vocabulary lacks "right" and
# "below".
#
# ## 6. What your captioner writes
#
# Held-out scenes, each with its canonical caption (black) and your captioner's (green when true
# of the scene, red when not).

# %%
written = None
if captioner is None:
    print("Train your captioner in section 5 (week6.vocab and week6.captioner) to see its captions.")
else:
    with demo("your captioner's captions"):
        written = caption(captioner, test_images)
        n = 18
        show_scenes(test_images[:n], [two_lines(s.caption) for s in test_scenes[:n]],
                    [two_lines(c) for c in written[:n]],
                    ["tab:green" if scenes.is_true(c, s) else "tab:red" for s, c in zip(test_scenes[:n], written)],
                    suptitle="Held-out scenes: the canonical caption above, your captioner's below "
                             "(green: true of the scene, red: not)")

# %% [markdown]
# ## 7. Which parts go wrong
#
# `scenes.mistakes` says, for each caption, what it gets wrong; here is how often each mistake
# happens, over the held-out scenes of one thing and those of two (a caption can make several). Then,
# for the captions that name the right number of things, which colours and shapes it names for the
# things that are there: the diagonal holds the right answers.

# %%
def said_and_true(caption, scene):
    """For a caption that parses and names as many things as the scene holds, pairs ((colour said, colour
    true), (shape said, shape true)) per thing, the things read in the order that fits best; [] otherwise."""
    parsed = scenes.parse(caption)
    if parsed is None or len(parsed[0]) != len(scene.things):
        return []
    said, rel = parsed
    orders = [scene.things] if len(said) == 1 else [scene.things, scene.things[::-1]]

    def wrong(things):  # the attributes this reading gets wrong
        return (sum((c != t.colour) + (s != t.shape) for (c, s), t in zip(said, things))
                + (rel is not None and scenes.relation(*things) != rel))

    best = min(orders, key=wrong)
    return [((c, t.colour), (s, t.shape)) for (c, s), t in zip(said, best)]


if written is not None:
    colours, shapes = list(scenes.COLOURS), list(scenes.SHAPES)
    by_count = {k: [(c, s) for c, s in zip(written, test_scenes) if len(s.things) == k] for k in (1, 2)}
    rates = {k: scenes.judge([c for c, _ in pairs], [s for _, s in pairs])["mistakes"] for k, pairs in by_count.items()}
    colour_table, shape_table = np.zeros((5, 5), dtype=int), np.zeros((3, 3), dtype=int)
    for c, s in zip(written, test_scenes):
        for (said_c, true_c), (said_s, true_s) in said_and_true(c, s):
            colour_table[colours.index(true_c), colours.index(said_c)] += 1
            shape_table[shapes.index(true_s), shapes.index(said_s)] += 1

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.2), gridspec_kw={"width_ratios": [1.4, 1, 0.8]})
    x = np.arange(len(scenes.MISTAKES))
    for offset, k in ((-0.2, 1), (0.2, 2)):
        values = [rates[k][m] for m in scenes.MISTAKES]
        bars = axes[0].bar(x + offset, values, width=0.4,
                           label=f"scenes of {k} thing{'s' * (k > 1)} ({len(by_count[k])})")
        axes[0].bar_label(bars, [f"{v:.0%}" for v in values], fontsize=7)
    axes[0].set_xticks(x, scenes.MISTAKES)
    axes[0].set(ylabel="share of the captions", title="How often each mistake happens")
    axes[0].legend(fontsize=8)
    for ax, table, names, what in ((axes[1], colour_table, colours, "colour"), (axes[2], shape_table, shapes, "shape")):
        ax.imshow(table / np.maximum(1, table.sum(axis=1, keepdims=True)), cmap="Blues", vmin=0, vmax=1)
        for (i, j), value in np.ndenumerate(table):
            ax.text(j, i, str(value), ha="center", va="center", fontsize=8,
                    color="white" if value > 0.5 * table[i].sum() else "black")
        ax.set_xticks(range(len(names)), names, rotation=30, fontsize=8)
        ax.set_yticks(range(len(names)), names, fontsize=8)
        ax.set(xlabel=f"{what} in the caption", ylabel=f"true {what}", title=f"The {what}s it names")
    fig.tight_layout()
    plt.show()
    for what, table in (("colour", colour_table), ("shape", shape_table)):
        print(f"{what} accuracy over the things it names: {np.trace(table) / max(1, table.sum()):.3f} "
              f"({table.sum()} things)")

# %% [markdown]
# ## 8. Against the caption prior
#
# Does the captioner look at the image? A model that ignores it can still learn the *language*: the
# best it can do for exact accuracy is to write, for every scene, the most common training caption,
# the **caption prior**. Below, your captioner against it, and against its own captions handed to the
# wrong scenes (shuffled): fluent, grammatical captions, unrelated to the image. BLEU gives these
# partial credit for shared words and phrases ("left of a"); exact and truthful do not. The grader's
# thresholds are set so that a captioner that ignores the image cannot reach them.

# %%
if written is not None:
    with demo("the comparison with the caption prior"):
        prior = Counter(s.caption for s in train_scenes).most_common(1)[0][0]
        shuffled = list(np.array(written, dtype=object)[np.random.default_rng(0).permutation(len(written))])
        rivals = {"your captioner": written, "its captions, shuffled\namong the scenes": shuffled,
                  f"the caption prior:\n\"{prior}\" for every scene": [prior] * len(test_scenes)}
        table = {}
        for name, captions in rivals.items():
            judged = scenes.judge(captions, test_scenes)
            table[name] = (judged["exact"], judged["truthful"], corpus_bleu_of(captions, test_scenes))
            print(f"{name.replace(chr(10), ' '):56} exact {table[name][0]:.3f}, truthful {table[name][1]:.3f}, "
                  f"BLEU-4 {table[name][2]:.3f}")
        fig, ax = plt.subplots(figsize=(10, 4))
        x = np.arange(3)
        for k, (name, values) in enumerate(table.items()):
            bars = ax.bar(x + (k - 1) * 0.27, np.nan_to_num(values), width=0.27, label=name)
            ax.bar_label(bars, [f"{v:.2f}" for v in values], fontsize=7)
        ax.set_xticks(x, ["exact caption", "truthful", "corpus BLEU-4 (yours)"])
        ax.set(ylim=(0, 1.12), ylabel="on 500 held-out scenes",
               title="Your captioner against captions that ignore the image")
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
        fig.tight_layout()
        plt.show()

# %% [markdown]
# The caption prior names one thing, so it has no 4-gram: its BLEU-4 is 0. The shuffled captions
# score far more: most of them share "a", a relation and often a colour or a shape with the
# references, a reminder that BLEU measures overlap of wording, not truth.
#
# ## 9. Failures
#
# Held-out scenes where your captioner's caption is not true, with what goes wrong. Look for
# patterns: shapes that look alike at this resolution (a small circle and a square), colours that
# look alike (yellow and white), a second thing given the first one's colour or shape (the decoder
# repeating itself rather than reading the image), two things nearly aligned on both axes.

# %%
if written is not None:
    failures = [k for k, (c, s) in enumerate(zip(written, test_scenes)) if not scenes.is_true(c, s)]
    print(f"{len(failures)} of {len(test_scenes)} held-out captions are not true of their scene")
    if failures:
        shown = failures[:12]
        show_scenes(test_images[shown], [two_lines(test_scenes[k].caption) for k in shown],
                    [f"{two_lines(written[k] or '(nothing)')}\nwrong: "
                     f"{', '.join(sorted(scenes.mistakes(written[k], test_scenes[k])))}" for k in shown],
                    ["tab:red"] * len(shown), suptitle="Failures: the canonical caption above, your captioner's below, "
                                                       "and what it gets wrong")

# %% [autograde] week6.quality

# %% [markdown]
# ## 10. Check your work
#
# The cell below runs the public checks on your module files, as `dlgrade check week6` does
# in a terminal, and prints a table with one row per exercise. Where a check fails, the
# feedback says what was called, what came back and what was expected, and names the
# mistake when it recognises it.
#
# Passing the public checks is necessary, not sufficient. Your instructor grades with these
# **and with hidden checks** on other inputs: other corpora with ties and rare words, several
# references of different lengths, short and empty hypotheses, and, for the captioner, scenes
# drawn from a secret it never sees, judged on a held-out test set as well as the validation set.
# Follow each contract in `README.md`, not just the examples it is tried on here.

# %% [selfcheck]
