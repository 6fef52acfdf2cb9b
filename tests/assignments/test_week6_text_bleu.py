"""Week 6's NumPy exercises (week6.vocab: text.py; week6.bleu: bleu.py), graded with only these two
exercises (the reference's full marks, the template's zero and each known-bad example's score are the
weekly contract's, in the week's contract test): the results written out in the public checks and
the grader's own implementation of text.py and its BLEU counts (in the hidden checks) agree with the
reference and with nltk; the public check files, which ship to students, hold no function that
computes an exercise's answer; every named mistake is caught where the feedback says so; the
alternative, a float32 BLEU and results in any container get full marks; bad results get messages
that say what is wrong; answers hard-coded for the public inputs lose every hidden check; a bleu.py
that imports nltk scores zero for BLEU alone.
"""

import importlib.util
import inspect
import json
import sys
import types
from collections import Counter

import numpy as np
import pytest

from grader import isolation
from grader.cli import known_bad_meta
from grader.course import Week
from grader.registry import load_checks
from grader.scoring import PASSED

from conftest import ROOT, check_module, known_bad_patches, patched_reference, reference_with

WEEK = "week6_captioning"
MINE = {"week6.vocab", "week6.bleu"}
week = Week.load(WEEK, ROOT)
PUBLIC_TEXT = check_module(week, "public_text")
PUBLIC_BLEU = check_module(week, "public_bleu")
HIDDEN_TEXT = check_module(week, "hidden_text")
HIDDEN_BLEU = check_module(week, "hidden_bleu")
ALTERNATIVE = ROOT / "examples" / WEEK / "alternative_correct"


def reference(module):
    spec = importlib.util.spec_from_file_location(f"_week6_reference_{module}", week.solution_dir / f"{module}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


TEXT, BLEU = reference("text"), reference("bleu")


def recorded_calls():
    """Every call the week's vocab and BLEU checks make into student code, by check (name, public or
    hidden), with the reference standing in for the student: [(check, visibility, function, args)]."""
    calls = []
    for c in load_checks(week.assignment_dir, include_hidden=True):
        if c.exercise not in MINE:
            continue

        def spy(fn, name, c=c):
            def call(*args):
                calls.append((c.fn.__name__, c.visibility, name, args))
                return fn(*args)
            return call

        sub = types.SimpleNamespace(
            text=types.SimpleNamespace(**{f: spy(getattr(TEXT, f), f)
                                          for f in ("build_vocab", "encode_captions", "decode_caption")}),
            bleu=types.SimpleNamespace(corpus_bleu=spy(BLEU.corpus_bleu, "corpus_bleu")))
        c.fn(sub, None)
    return calls


CALLS = recorded_calls()


def failures(report):
    return [(r.title, r.status, r.output) for r in report.results if r.status != PASSED]


def patched(tmp_path, name, modules: dict):
    """A copy of the reference with `modules` ({module: code}) appended to those modules."""
    return patched_reference(week, tmp_path / name / WEEK, modules)


# --- the oracles ------------------------------------------------------------------------------------------


def test_the_results_written_in_the_public_text_checks_are_the_references():
    """Are the counts, vocabularies, rows of ids and captions written out by hand in public_text.py what the
    reference gives for their inputs?"""
    P = PUBLIC_TEXT
    for captions, counts, by_min_count in ((P.CAPTIONS, P.COUNTS, P.WORDS_BY_MIN_COUNT),
                                           (P.TIED, P.TIED_COUNTS, P.TIED_WORDS_BY_MIN_COUNT)):
        assert Counter(w for c in captions for w in c.split()) == counts
        for min_count, words in by_min_count.items():
            assert TEXT.build_vocab(captions, min_count) == [*P.SPECIALS, *words]
    assert P.VOCAB_1 == TEXT.build_vocab(P.CAPTIONS, 1) and P.VOCAB_2 == TEXT.build_vocab(P.CAPTIONS, 2)
    for captions, vocab, max_len, expected in P.ENCODINGS_SHORT + P.ENCODINGS_CUT:
        assert TEXT.encode_captions(captions, vocab, max_len).tolist() == expected
    for row, expected in P.DECODINGS:
        assert TEXT.decode_caption(row, P.VOCAB_1) == expected


def test_the_graders_text_functions_agree_with_the_reference_on_every_input_of_the_checks():
    """Do the grader's own vocabulary, encoding and decoding (what the hidden checks compare with, written
    apart from solutions/) equal the reference's on every input of the checks?"""
    for _, _, name, args in CALLS:
        if name == "build_vocab":
            assert HIDDEN_TEXT.vocab_of(*args) == TEXT.build_vocab(*args)
        elif name == "encode_captions":
            assert np.array_equal(HIDDEN_TEXT.encoding_of(*args), TEXT.encode_captions(*args))
        elif name == "decode_caption":
            assert " ".join(HIDDEN_TEXT.decoding_of(*args)) == TEXT.decode_caption(*args)


def test_the_graders_bleu_counts_agree_with_nltk():
    """Do the counts the feedback shows (clipped matches, n-gram totals, c, r) give nltk's score on every
    corpus of the checks and on nltk's own example (0.5920…), and does the reference give it too?"""
    from nltk.translate.bleu_score import corpus_bleu as nltk

    for refs, hyps in [args for _, _, name, args in CALLS if name == "corpus_bleu"]:
        expected = PUBLIC_BLEU.nltk_bleu(refs, hyps)
        ours = HIDDEN_BLEU.bleu_of(refs, hyps)
        assert abs(ours - expected) <= 1e-12 * expected + 1e-15
        assert abs(BLEU.corpus_bleu(refs, hyps) - expected) <= 1e-12 * expected + 1e-15
    h1 = "It is a guide to action which ensures that the military always obeys the commands of the party".split()
    r1 = [("It is a guide to action that ensures that the military will forever heed Party commands").split(),
          ("It is the guiding principle which guarantees the military forces always being under the command of the "
           "Party").split(), ("It is the practical guide for the army always to heed the directions of the "
                              "party").split()]
    h2 = "he read the book because he was interested in world history".split()
    r2 = ["he was interested in world history because he read the book".split()]
    assert PUBLIC_BLEU.nltk_bleu([r1, r2], [h1, h2]) == pytest.approx(0.5920778868801042, rel=1e-12)
    assert nltk([r1, r2], [h1, h2]) == PUBLIC_BLEU.nltk_bleu([r1, r2], [h1, h2])


def test_nltk_gives_a_tiny_score_where_the_contract_gives_zero_and_both_pass():
    """Where a 4-gram precision is 0, does nltk return ~1e-77 where the reference returns 0, both within [bleu]'s
    tolerance, and does a corpus without any unigram match give 0 from both?"""
    refs, hyps = [["a red circle".split()]], ["a red circle".split()]
    tol = PUBLIC_BLEU.TOL
    tiny = PUBLIC_BLEU.nltk_bleu(refs, hyps)
    assert 0 < tiny < 1e-70 and BLEU.corpus_bleu(refs, hyps) == 0.0
    assert tiny <= tol["rtol"] * tiny + tol["atol"]
    assert PUBLIC_BLEU.nltk_bleu(refs, ["two blue squares".split()]) == BLEU.corpus_bleu(refs, [["two"]]) == 0


# --- what ships to students ----------------------------------------------------------------------------------


def probe_inputs(seed):
    """Random arguments of the exercises' signatures, with the reference's answers (nltk's for BLEU): a list
    of (args, kind, answer)."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(12)]
    caption = lambda: " ".join(rng.choice(words, size=int(rng.integers(2, 9))))
    captions = [caption() for _ in range(8)]
    vocab = TEXT.build_vocab([caption() for _ in range(8)], 1)
    ids = [2, *rng.integers(4, len(vocab), size=5).tolist(), 0, 3, *rng.integers(0, len(vocab), size=4).tolist()]
    references, hypotheses = PUBLIC_BLEU.random_corpus(900 + seed, 12, refs=(1, 3))
    min_count, max_len = int(rng.integers(1, 3)), int(rng.integers(3, 7))
    return [((captions, min_count), "vocab", TEXT.build_vocab(captions, min_count)),
            ((captions, vocab, max_len), "ids", TEXT.encode_captions(captions, vocab, max_len)),
            ((ids, vocab), "caption", TEXT.decode_caption(ids, vocab)),
            ((references, hypotheses), "bleu", PUBLIC_BLEU.nltk_bleu(references, hypotheses))]


def reproduces(result, kind, answer) -> bool:
    try:
        if kind == "vocab":
            return [str(w) for w in result] == answer
        if kind == "ids":
            return np.array_equal(np.asarray(result, dtype=np.int64), answer)
        if kind == "caption":
            return (result if isinstance(result, str) else " ".join(result)).split() == answer.split()
        return abs(float(result) - answer) <= 1e-9 * abs(answer)
    except Exception:  # noqa: BLE001 (a result of another kind reproduces nothing)
        return False


def answering_functions(modules, monkeypatch) -> set:
    """The functions defined in `modules` that, called with the arguments of an exercise on random inputs,
    return its answer on every try, alone or fed what another of them returns as a tuple (score(*statistics(
    references, hypotheses))); the checks themselves (sub, ref) return nothing. nltk's corpus_bleu is stubbed
    out meanwhile: calling it (the contract's oracle, which students may use outside the sandbox too) is not
    computing BLEU."""
    import nltk.translate.bleu_score

    tries = [probe_inputs(seed) for seed in range(3)]
    functions = {(m.__name__.rsplit(".", 1)[-1], name): fn for m in modules for name, fn in vars(m).items()
                 if inspect.isfunction(fn) and fn.__module__ == m.__name__ and not hasattr(fn, "check")}
    failed = object()

    def call(fn, args):
        try:
            return fn(*args)
        except Exception:  # noqa: BLE001 (these arguments are not its own)
            return failed

    found = set()
    with monkeypatch.context() as patch:
        patch.setattr(nltk.translate.bleu_score, "corpus_bleu", lambda *a, **k: float("nan"))
        for k in range(4):
            kind = tries[0][k][1]
            outs = {key: [call(fn, t[k][0]) for t in tries] for key, fn in functions.items()}
            for key, fn in functions.items():
                if all(o is not failed and reproduces(o, kind, t[k][2]) for o, t in zip(outs[key], tries)):
                    found.add((*key, kind))
                for (_, inner), values in outs.items():
                    if all(isinstance(v, tuple) for v in values) and all(
                            reproduces(call(fn, v), kind, t[k][2]) for v, t in zip(values, tries)):
                        found.add((key[0], f"{key[1]}({inner}(…))", kind))
    return found


def test_the_public_check_files_hold_no_function_that_computes_an_exercises_answer(monkeypatch):
    """Do the public check files of week 6 (what ships to students) hold no function that computes an
    exercise's answer: called with an exercise's arguments on random inputs, does none of their functions
    return the reference's vocabulary, rows of ids or caption, or nltk's BLEU (nltk itself stubbed out), while
    the hidden checks' implementation, probed the same way, is found? And do the public checks name no
    mistake that only an implementation could recognise (the missing truncation is told by the shape)?"""
    public = [sys.modules[c.fn.__module__] for c in load_checks(week.assignment_dir, include_hidden=True)
              if c.visibility == "public"]
    assert {m.__name__.rsplit(".", 1)[-1] for m in public} >= {"public_text", "public_bleu"}
    assert answering_functions(set(public), monkeypatch) == set()
    assert answering_functions([HIDDEN_TEXT, HIDDEN_BLEU], monkeypatch) >= {
        ("hidden_text", "vocab_of", "vocab"), ("hidden_text", "encoding_of", "ids"),
        ("hidden_text", "decoding_of", "caption"), ("hidden_bleu", "bleu_of", "bleu"),
        ("hidden_bleu", "score(statistics(…))", "bleu")}
    assert labels(PUBLIC_TEXT) == {PUBLIC_TEXT.NO_TRUNCATION} and labels(PUBLIC_BLEU) == set()


# --- the checks --------------------------------------------------------------------------------------------


def test_the_checks_hand_student_code_only_the_contracts_arguments():
    """Does every call into student code carry the inputs the contract names (captions and min_count;
    captions, a vocabulary and max_len; ids and a vocabulary; references and hypotheses) and nothing
    from which the expected result could be read?"""
    kinds = {"build_vocab": (list, int), "encode_captions": (list, list, int), "decode_caption": (object, list),
             "corpus_bleu": (list, list)}
    for _, _, name, args in CALLS:
        assert len(args) == len(kinds[name]) and all(isinstance(a, k) for a, k in zip(args, kinds[name]))
        if name == "corpus_bleu":
            refs, hyps = args
            assert len(refs) == len(hyps) and all(isinstance(w, str) for h in hyps for w in h)


def test_the_hidden_checks_use_other_inputs_than_the_public_ones():
    """Is no input of a hidden check one of a public check (so that answers hard-coded for the public
    inputs earn nothing there)?"""
    key = lambda args: json.dumps([np.asarray(a).tolist() if isinstance(a, np.ndarray) else a for a in args])
    public = {(name, key(args)) for _, vis, name, args in CALLS if vis == "public"}
    hidden = {(name, key(args)) for _, vis, name, args in CALLS if vis == "hidden"}
    assert public and hidden and not public & hidden


def test_every_named_mistake_changes_a_result_of_a_hidden_check():
    """Does every mistake the hidden checks' feedback names give a wrong answer on some input of a hidden
    check (so that the feedback can name it there)?"""
    text = {m for _, vis, name, args in CALLS if vis == "hidden"
            for m in {"build_vocab": HIDDEN_TEXT.vocab_mistakes, "encode_captions": HIDDEN_TEXT.encoding_mistakes,
                      "decode_caption": lambda ids, vocab: HIDDEN_TEXT.decoding_mistakes([int(i) for i in ids],
                                                                                         vocab)
                      }.get(name, lambda *a: {})(*args)}
    assert text == labels(HIDDEN_TEXT)
    tol = PUBLIC_BLEU.TOL
    bleu = set()
    for _, vis, name, args in CALLS:
        if name == "corpus_bleu" and vis == "hidden":
            expected = PUBLIC_BLEU.nltk_bleu(*args)
            bleu |= {m for m, v in HIDDEN_BLEU.mistakes(*args).items()
                     if v is not None and abs(v - expected) > 100 * (tol["rtol"] * expected + tol["atol"])}
    assert bleu == labels(HIDDEN_BLEU)


def labels(module) -> set:
    """The mistakes a check module names: its upper-case constants that are phrases (hints apart)."""
    return {v for k, v in vars(module).items()
            if k.isupper() and isinstance(v, str) and " " in v and not k.endswith("HINT")}


# --- what passes ---------------------------------------------------------------------------------------------


def test_the_alternative_scores_full_marks_and_is_written_another_way(grade, tmp_path):
    """Does the alternative (np.unique counting with NumPy strings in its vocabulary, int32 rows, NumPy
    n-gram counting and a NumPy float score) get full marks?"""
    namespace = {}
    exec(compile((ALTERNATIVE / "text.py").read_text(), "text.py", "exec"), namespace)
    exec(compile((ALTERNATIVE / "bleu.py").read_text(), "bleu.py", "exec"), namespace)
    assert type(namespace["build_vocab"](["a b b"], 1)[-1]) is np.str_
    assert namespace["encode_captions"](["a"], ["<pad>", "<unk>", "<start>", "<end>", "a"], 2).dtype == np.int32
    assert type(namespace["corpus_bleu"]([[["a", "b", "c", "d"]]], [["a", "b", "c", "d"]])) is np.float64
    folder = reference_with(week, tmp_path / WEEK, ALTERNATIVE, ("text", "bleu"))
    report = grade(WEEK, folder, only=MINE)
    assert failures(report) == [] and report.score == report.max_score


CONTAINERS = {
    "text": """
_build, _encode, _decode = build_vocab, encode_captions, decode_caption


def build_vocab(captions, min_count=1):
    return tuple(_build(captions, min_count)) if len(captions) % 2 else np.array(_build(captions, min_count))


def encode_captions(captions, vocab, max_len):
    ids = _encode(captions, vocab, max_len)
    return ids.astype(np.float32) if len(captions) % 2 else ids.astype(float).tolist()


def decode_caption(ids, vocab):
    return np.str_("  " + _decode(ids, vocab).replace(" ", "  "))
""",
    # BLEU computed in float32 throughout (off by ~1e-7 relative), returned as a float32 0-d array.
    "bleu": """
import numpy as np


def corpus_bleu(references, hypotheses):
    m, t = np.zeros(4, np.float32), np.zeros(4, np.float32)
    c = r = np.float32(0)
    for refs, hyp in zip(references, hypotheses):
        for n in range(1, 5):
            counts = Counter(tuple(hyp[i:i + n]) for i in range(len(hyp) - n + 1))
            most = Counter()
            for ref in refs:
                most |= Counter(tuple(ref[i:i + n]) for i in range(len(ref) - n + 1))
            m[n - 1] += np.float32(sum(min(k, most[g]) for g, k in counts.items()))
            t[n - 1] += np.float32(max(1, sum(counts.values())))
        c += np.float32(len(hyp))
        r += np.float32(min((len(x) for x in refs), key=lambda L: (abs(L - len(hyp)), L)))
    if m.min() == 0:
        return np.zeros((), np.float32)
    bp = np.float32(1) if c > r else np.exp(np.float32(1) - r / c)
    return np.asarray(bp * np.exp(np.log(m / t).mean()), dtype=np.float32)
"""}


def test_results_in_any_container_and_float32_bleu_score_full_marks(grade, tmp_path):
    """Do a vocabulary as a tuple or a NumPy array of strings, ids as float32 arrays and lists of float lists of whole numbers, a decoded
    caption as a NumPy string with extra spaces, and a BLEU computed in float32 and returned as a 0-d float32
    array get full marks?"""
    report = grade(WEEK, patched(tmp_path, "containers", CONTAINERS), only=MINE)
    assert failures(report) == [] and report.score == report.max_score


# --- what fails, and how ----------------------------------------------------------------------------------------

WRONG = {
    "text": """
def build_vocab(captions, min_count=1):
    return {w: i for i, w in enumerate(["<pad>", "<unk>", "<start>", "<end>"])}


def encode_captions(captions, vocab, max_len):
    return np.full((len(captions), max_len + 2), 0.5)


def decode_caption(ids, vocab):
    return [vocab[int(i)] for i in ids]
""",
    "bleu": """
def corpus_bleu(references, hypotheses):
    return float("nan") if len(hypotheses) > 10 else None
"""}


def test_wrong_types_and_nan_get_clear_messages(grade, tmp_path):
    """Do a vocabulary as a dict, ids that are not whole numbers, a caption as a list, a NaN score and a
    missing return get messages that say what is wrong (not a traceback)?"""
    report = grade(WEEK, patched(tmp_path, "wrong", WRONG), only=MINE)
    assert report.score == 0
    out = "\n".join(r.output for r in report.results)
    assert "should be a list of strings, got a dict" in out
    assert "ids are whole numbers" in out
    assert "should be a string, got a list" in out
    assert "is nan, expected" in out
    assert "did you forget a return statement?" in out
    assert "Traceback" not in out


def test_known_bad_examples_cover_both_exercises():
    """Is there a named known-bad example for each of the two exercises?"""
    assert {known_bad_meta(p)["EXERCISE"] for p in known_bad_patches(WEEK)} >= MINE


def test_answers_hard_coded_for_the_public_inputs_lose_every_hidden_check(grade, tmp_path):
    """Does a submission that looks its answers up in a table of the public checks' inputs (as a student who
    printed them could write) pass the public checks and fail every hidden one?"""
    table = {}
    for _, vis, name, args in CALLS:
        if vis == "public":
            result = getattr(TEXT if name != "corpus_bleu" else BLEU, name)(*args)
            key = json.dumps([np.asarray(a).tolist() if isinstance(a, np.ndarray) else a for a in args])
            table.setdefault(name, {})[key] = np.asarray(result).tolist() if name == "encode_captions" else result
    lookup = """
import json as _json
_TABLE = {table!r}


def _key(args):
    return _json.dumps([a.tolist() if hasattr(a, "tolist") else a for a in args])
"""
    text = lookup.format(table={k: v for k, v in table.items() if k != "corpus_bleu"}) + "".join(f"""

def {name}(*args):
    return _TABLE[{name!r}].get(_key(args), {default})
""" for name, default in (("build_vocab", "[]"), ("encode_captions", "[[0]]"), ("decode_caption", "''")))
    bleu = lookup.format(table={"corpus_bleu": table["corpus_bleu"]}) + """

def corpus_bleu(*args):
    return _TABLE["corpus_bleu"].get(_key(args), 0.5)
"""
    report = grade(WEEK, patched(tmp_path, "table", {"text": text, "bleu": bleu}), only=MINE)
    assert {r.visibility for r in report.results if r.status == PASSED} == {"public"}
    assert {r.visibility for r in report.results if r.status != PASSED} == {"hidden"}


NLTK = """from nltk.translate.bleu_score import corpus_bleu  # the oracle itself, which the sandbox does not show
"""


@pytest.mark.skipif(not isolation.probe()[0], reason="bubblewrap is what hides nltk (without it, the judge sees "
                                                      "the libraries nltk loads: test_numpy_only_weeks.py)")
def test_a_bleu_that_imports_nltk_scores_zero_for_bleu_alone(grade, tmp_path):
    """Does a bleu.py that imports nltk's corpus_bleu score zero on week6.bleu, with feedback naming bleu.py, nltk
    and the rule, while text.py keeps full marks?"""
    folder = patched(tmp_path, "nltk", {})
    (folder / "bleu.py").write_text(NLTK)
    report = grade(WEEK, folder, only=MINE)
    exercises = {e.id: e for e in report.exercises()}
    assert exercises["week6.vocab"].score == exercises["week6.vocab"].max_score
    assert exercises["week6.bleu"].score == 0
    for r in exercises["week6.bleu"].checks:
        assert "bleu.py may use NumPy and the Python standard library only; it imported nltk" in r.output, r.output
