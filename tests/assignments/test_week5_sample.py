"""Week 5's own tests of the sampling checks (week5.sample): correct samplers pass whatever their
draw (torch.multinomial, inverse CDF in float32) and their container; every bug the checks name is
shipped as a known-bad sampler (their scores and hints are checked in test_week5_contract.py); the chi-square tests fail correct samplers as rarely as their
p-values say (simulated here, judge-side, with the checks' own code); samplers that cheat or
return the wrong kind of ids fail. Every grading here is of week5.sample alone, on a copy of the
course whose week 5 holds the sampling checks only.
"""

import shutil
import textwrap

import numpy as np
import pytest
import torch

from grader import trainers
from grader.cli import known_bad_meta
from grader.course import Week
from grader.oracles import proportion_bound
from grader.scoring import PASSED

from conftest import ROOT, check_module, grader_of

WEEK = "week5_rnn"
week = Week.load(WEEK, ROOT)
MINE = {"week5.sample"}
OWN_FILES = ("public_sample", "hidden_sample")
KNOWN_BAD = [p for p in sorted((ROOT / "examples" / WEEK / "known_bad").glob("*.py"))
             if known_bad_meta(p)["EXERCISE"] == "week5.sample"]


@pytest.fixture(scope="module")
def grade(tmp_path_factory):
    """grade(folder=None, patch=None) -> GradeReport of week5.sample, memoised, on a copy of the course
    whose week 5 holds the rubric and OWN_FILES' checks alone."""
    return grader_of(tmp_path_factory, WEEK, OWN_FILES, MINE)


def sampler(tmp_path, code):
    """The reference with `code` (a new sample) appended to char_lm.py."""
    dest = tmp_path / WEEK
    shutil.copytree(week.solution_dir, dest, ignore=shutil.ignore_patterns("__pycache__"))
    path = dest / "char_lm.py"
    path.write_text(path.read_text() + "\n\n" + textwrap.dedent(code))
    return dest


def failures(report):
    return {r.name: r.output for r in report.results if r.status != PASSED}


checks = check_module(week, "public_sample")
TOL = checks.TOL


# --- correct and blank submissions ------------------------------------------------------------------------


@pytest.mark.parametrize("folder", [week.solution_dir, ROOT / "examples" / WEEK / "alternative_correct"],
                         ids=["reference", "alternative_correct"])
def test_correct_samplers_score_full_marks(grade, folder):
    """Do the reference (torch.multinomial in float64) and the alternative (inverse CDF with one float32
    uniform number per id, NumPy ids) pass every sampling check?"""
    report = grade(folder)
    assert failures(report) == {}
    assert report.score == report.max_score == 7


def test_blank_template_is_not_implemented(grade):
    """Does the template score 0 with 'not implemented yet' naming week5.sample?"""
    report = grade(week.template_dir)
    assert report.score == 0
    for r in report.results:
        assert r.status != PASSED and "Not implemented yet: week5.sample" in r.output, r.output


def test_every_named_sampler_bug_has_a_known_bad_example():
    """Are the six bugs the checks name each shipped as a known-bad example?"""
    names = {p.stem for p in KNOWN_BAD}
    assert {"sample_uses_global_rng", "sample_multiplies_by_temperature", "sample_forgets_history",
            "sample_returns_prefix_too", "sample_always_argmax", "sample_ignores_temperature"} <= names


# --- the grader's language model ------------------------------------------------------------------------------


def test_table_lm_gives_the_row_of_each_context_padded_with_zeros():
    """Does table_lm's forward give, at every position, the table's row of the last `order` ids (zeros
    before the start), for (N, T) and 1-D ids, as the checks' TableModel computes it judge-side, with its
    one parameter on the CPU?"""
    table = checks.TableModel(vocab=4, order=3, seed=5, scale=1.2)
    model = trainers.table_lm(table.logits, table.order)
    ids = np.random.default_rng(6).integers(0, 4, size=(3, 7))
    logits = model(torch.as_tensor(ids))
    assert logits.shape == (3, 7, 4) and logits.dtype == torch.float32
    for n in range(3):
        for t in range(7):
            assert np.array_equal(logits[n, t].numpy(), table.logits[table.row(ids[n, :t + 1])])
    assert table.row([2]) == 2 and table.row([1, 2]) == 1 * 4 + 2 and table.row([3, 1, 2, 0]) == 1 * 16 + 2 * 4
    assert np.array_equal(model(torch.as_tensor(ids[1])).numpy(), logits[1].numpy())
    assert next(model.parameters()).device.type == "cpu" and not next(model.parameters()).requires_grad
    for bad in (torch.tensor([[0, 4]]), torch.tensor([[-1]]), torch.tensor([[0.0, 1.0]])):
        with pytest.raises((ValueError, TypeError)):
            model(bad)


def test_every_row_has_a_clear_argmax():
    """Does every row of the checks' models lead by at least [sample] argmax_gap, so that the greedy
    continuation is one sequence whatever the arithmetic?"""
    hidden = check_module(week, "hidden_sample")
    for params in (checks.PUBLIC, hidden.HIDDEN):
        logits = np.sort(checks.TableModel(**params).logits.astype(np.float64), axis=1)
        assert (logits[:, -1] - logits[:, -2]).min() >= TOL["argmax_gap"] - 1e-6


# --- the false-alarm rate ----------------------------------------------------------------------------------


def simulated_chains(table, prefix, length, temperature, count, rng):
    """`count` samples of `length` ids after `prefix` drawn judge-side from the table's softmax(logits / T)."""
    z = table.logits.astype(np.float64) / temperature
    cdf = np.cumsum(np.exp(z - z.max(axis=1, keepdims=True)), axis=1)
    cdf /= cdf[:, -1:]
    history = np.zeros((count, table.order + len(prefix) + length), dtype=np.int64)
    history[:, table.order:table.order + len(prefix)] = prefix
    for t in range(table.order + len(prefix), history.shape[1]):
        row = np.zeros(count, dtype=np.int64)
        for j in range(t - table.order, t):
            row = row * table.vocab + history[:, j]
        u = rng.random(count)
        history[:, t] = np.minimum((cdf[row] <= u[:, None]).sum(axis=1), table.vocab - 1)
    return history[:, table.order + len(prefix):]


def assert_calibrated(p_values, alpha):
    """Correct draws give p-values that are uniform in the lower tail: a fraction of about 0.01 below
    0.01 (within the 6-standard-error bound of that proportion) and none below the check's alpha."""
    p_values = np.asarray(p_values)
    n = len(p_values)
    assert abs(np.mean(p_values < 0.01) - 0.01) <= proportion_bound(0.01, n, 6.0), np.mean(p_values < 0.01)
    assert p_values.min() >= alpha


def test_first_id_test_fails_a_correct_sampler_as_rarely_as_stated():
    """Do 3000 simulated correct first-id tests (300 draws each) at each of the public temperatures
    give p-values below 0.01 about 1% of the time, and never below the check's share of false_alarm?"""
    table = checks.TableModel(**checks.PUBLIC)
    rng = np.random.default_rng(20)
    for temperature in (1.0, 0.5, 2.0):
        probs = table.probs([1, 3], temperature)
        counts = rng.multinomial(TOL["first_draws"], probs, size=3000)
        assert_calibrated([checks.chi_square([(c, probs)])[2] for c in counts], TOL["false_alarm"] / 3)


@pytest.mark.parametrize("which", ["public", "hidden"])
def test_context_test_fails_a_correct_sampler_as_rarely_as_stated(which):
    """Do 300 simulated correct context tests (the check's prefixes, 300 ids each) give p-values below 0.01
    about 1% of the time, and never below false_alarm?"""
    hidden = check_module(week, "hidden_sample")
    table, prefixes, temperature = {
        "public": (checks.TableModel(**checks.PUBLIC), ([0, 1], [2, 3, 4], [5], [4, 4]), 1.0),
        "hidden": (checks.TableModel(**hidden.HIDDEN), ([3, 1, 2], [0, 2], [1, 1, 0, 3, 2], [2]), 0.7)}[which]
    rng = np.random.default_rng(21)
    count = 300
    samples = [simulated_chains(table, p, TOL["sample_length"], temperature, count, rng) for p in prefixes]
    p_values = []
    for k in range(count):
        tables = [t for p, s in zip(prefixes, samples) for t in checks.context_tables(table, p, s[k], temperature)[0]]
        p_values.append(checks.chi_square(tables)[2])
    assert_calibrated(p_values, TOL["false_alarm"])


# --- attacks and containers ---------------------------------------------------------------------------------

LOOP = """
def sample(model, prefix, length, temperature, generator):
    ids = torch.as_tensor(prefix, dtype=torch.long).reshape(-1).tolist()
    drawn = []
    with torch.no_grad():
        for _ in range(length):
            {step}
            ids.append(next_id)
            drawn.append(next_id)
    return {result}
"""
DRAW = ("probs = torch.softmax(model(torch.tensor([ids]))[0, -1].double() / temperature, -1)\n"
        "            next_id = int(torch.multinomial(probs, 1, generator=generator))")


def loop(step=DRAW, result="drawn"):
    return LOOP.format(step=step, result=result)


def test_any_integer_container_and_an_unbatched_model_call_pass(grade, tmp_path):
    """Does a sampler pass that calls the model on 1-D ids (as an unbatched nn.LSTM allows), draws from
    float32 probabilities, and returns its ids as a list of ints, a list of 0-d tensors, an int32 array or a
    float64 array of whole numbers (np.zeros(length) filled in) in turn?"""
    code = loop(step="probs = torch.softmax(model(torch.tensor(ids))[-1] / temperature, -1)\n"
                     "            next_id = int(torch.multinomial(probs, 1, generator=generator))",
                result="CONTAINERS[next(CALLS) % 4](drawn)")
    containers = ("import itertools\nimport numpy as np\n\nCALLS = itertools.count()\n"
                  "CONTAINERS = (list, lambda d: [torch.tensor(i) for i in d],\n"
                  "              lambda d: np.array(d, dtype=np.int32), lambda d: np.array(d, dtype=np.float64))\n")
    report = grade(sampler(tmp_path, containers + code))
    assert failures(report) == {}


def test_a_sampler_that_returns_the_most_likely_sequence_from_the_table_fails(grade, tmp_path):
    """Does a sampler that reads the grader's table from the model's parameters and returns its most likely
    continuation (ignoring temperature and generator) fail every statistical and generator check, while its
    continuation is indeed the greedy one?"""
    code = loop(step="table = next(model.parameters())\n"
                     "            order = round(math.log(table.shape[0], table.shape[1]))\n"
                     "            context = ([0] * order + ids)[-order:]\n"
                     "            row = sum(c * table.shape[1] ** k for k, c in enumerate(reversed(context)))\n"
                     "            next_id = int(table[row].argmax())")
    report = grade(sampler(tmp_path, "import math\n" + code))
    bad = failures(report)
    assert report.score == 3  # the length check and both argmax checks: it is the greedy continuation
    for name in ("the first id drawn after a prefix", "in samples of 300 ids every next id",
                 "generators in the same state", "with prefixes given as 1-D LongTensors"):
        assert any(n.startswith(name) for n in bad), list(bad)


@pytest.mark.parametrize("code,message", [
    (loop(result="torch.tensor(drawn, dtype=torch.float32) + 0.5"), "should be integer ids"),
    (loop(result="torch.tensor(drawn)[None]"), "expected ("),
    (loop(step="generator.manual_seed(0)\n            " + DRAW), "do not re-seed it"),
    (loop(step="probs = torch.softmax(model(torch.tensor([ids]))[0, -1] / temperature, -1)\n"
               "            next_id = int(torch.multinomial(probs, 1, generator=generator)) + 1"), "outside [0,"),
], ids=["fractional-ids", "batch-dimension", "reseeds-generator", "ids-shifted-by-one"])
def test_wrong_results_fail_with_a_message_that_says_what_is_wrong(grade, tmp_path, code, message):
    """Do ids that are not whole numbers, a (1, length) result, a re-seeded generator and ids out of range
    fail with a message that says so?"""
    report = grade(sampler(tmp_path, code))
    assert report.score < report.max_score
    assert any(message in out for out in failures(report).values()), failures(report)


def test_context_rows_agree_with_the_row_of_each_prefix():
    """Does the vectorised context index (TableModel.rows) agree with the row of every prefix of a sequence?"""
    table = checks.TableModel(vocab=5, order=3, seed=7, scale=1.0)
    ids = np.random.default_rng(8).integers(0, 5, size=40)
    assert table.rows(ids).tolist() == [table.row(ids[:i + 1]) for i in range(40)]
