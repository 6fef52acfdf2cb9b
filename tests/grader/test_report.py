"""Tests for grader/report.py: the terminal table, results.json and the Markdown feedback."""

from __future__ import annotations

import copy
import io
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from grader import report as rp
from grader.report import (
    MAX_OUTPUT,
    TRUNCATED,
    atomic_write,
    render_table,
    to_gradescope,
    to_markdown,
    truncate,
    validate_gradescope,
    write_gradescope,
    write_markdown,
)
from grader.scoring import FAILED, STATUSES, CheckResult, GradeReport

ADAM_HINT = "step 3, parameter 0, index (1, 2): got 0.412, expected 0.398; is the bias correction applied?"


def make_report(**changes) -> GradeReport:
    """A week-1 report with every status, partial credit, hidden and public checks, and a note."""
    results = [
        CheckResult("week1.sgd", "matches the update rule", "passed", 2, 2),
        CheckResult("week1.adam", "matches torch.optim.Adam over 50 steps", "failed", 0, 3, ADAM_HINT, "hidden"),
        CheckResult("week1.adam", "keeps state per parameter", "passed", 1, 1, "", "public"),
        CheckResult("week1.ridge", "solves the normal equations", "not implemented", 0, 3, "week1.ridge is not implemented yet"),
        CheckResult("week1.softmax", "is stable for logits up to 1e4", "timeout", 0, 2, "no answer within 10 s"),
        CheckResult(
            "week1.mse",
            "gradient matches finite differences",
            "error",
            0,
            2,
            "ZeroDivisionError: [bold]division by zero[/bold]\n  in mse_grad, line 12",
        ),
        CheckResult("week1.logistic", "loss on 20 random cases", "failed", 1.5, 3, "13 of 20 cases wrong\ncase 0: ..."),
    ]
    fields = dict(
        week="week1_linear_models",
        submission="alice",
        results=results,
        execution_time=12.6,
        notes=["sandbox: running without network isolation"],
    )
    fields.update(changes)
    return GradeReport(**fields)


def table_text(report: GradeReport, **kwargs) -> str:
    console = Console(record=True, width=120)
    render_table(report, console, **kwargs)
    return console.export_text()


def one_check(output: str, status: str = "failed", visibility: str = "public") -> GradeReport:
    return GradeReport("week1", "bob", [CheckResult("week1.adam", "matches", status, 0, 1, output, visibility)])


# ---------------------------------------------------------------------------- table


def test_table_shows_each_exercise_once_with_status_points_and_total():
    """Does the table list every exercise with its status and points, then the total and the notes?"""
    text = table_text(make_report())
    for ex in ("week1.sgd", "week1.adam", "week1.ridge", "week1.softmax", "week1.mse", "week1.logistic"):
        assert len(re.findall(rf"^│ {re.escape(ex)} ", text, flags=re.M)) == 1, ex
    assert "not implemented yet" in text
    assert re.search(r"week1\.adam\s+│\s+failed\s+│\s+1/4\b", text)
    assert re.search(r"week1\.logistic\s+│\s+failed\s+│\s+1\.5/3\b", text)
    for status in ("passed", "timeout", "error"):
        assert status in text
    assert "Total: 4.5 / 16 (28.1%)" in text
    assert "Note: sandbox: running without network isolation" in text


def test_total_line_matches_the_documented_format():
    """Is the total written as "Total: 31.5 / 40 (78.8%)", and without a percentage when nothing is scorable?"""
    results = [CheckResult("week1.sgd", "a", "passed", 30, 30), CheckResult("week1.adam", "b", "failed", 1.5, 10)]
    assert "Total: 31.5 / 40 (78.8%)" in table_text(GradeReport("week1", "s", results))
    assert "Total: 0 / 0\n" in table_text(GradeReport("week1", "s", []))


def feedback_of(text: str) -> str:
    """The part of a rendered table below the table itself: the feedback section."""
    return text.split("└", 1)[1].split("\n", 1)[1].split("\nTotal:")[0]


def test_table_has_no_reason_column_and_feedback_below_only_for_unfinished_exercises():
    """Is the table made of short columns only, and is the feedback of each exercise that lost points
    printed below it, from its first failing check, while a fully passed exercise has none?"""
    text = table_text(make_report())
    table = text.split("└")[0]
    assert "Reason" not in table and "no answer within 10 s" not in table
    below = feedback_of(text)
    assert "week1.sgd" not in below  # passed
    assert "matches the update rule" not in below
    assert "week1.adam  failed  1/4\n  " + ADAM_HINT in below
    assert "no answer within 10 s" in below
    assert "13 of 20 cases wrong\n  case 0: ..." in below  # a short multi-line message is whole
    assert "week1.ridge is not implemented yet" in below
    assert "-v for the full feedback" not in below  # nothing was left out


LONG_MESSAGE = ("after step 3, parameter 0 (the weights of the first layer), index (12, 7): got 0.41237, expected "
                "-0.39815; the update has the wrong sign, so the loss grows instead of shrinking. Check that the "
                "gradient is subtracted (w -= lr * grad), that the learning rate is the one you were given, and "
                "that the momentum buffer starts at zero for every parameter.")


def test_long_message_is_readable_in_full_in_a_log_file():
    """Written to a file at 80 columns (rich's default), is a long message shown whole, wrapped between
    words, with no ellipsis, instead of being cut in a narrow column ("expected -0…")?"""
    file = io.StringIO()
    render_table(one_check(LONG_MESSAGE), Console(file=file, width=80))
    out = file.getvalue()
    assert not Console(file=io.StringIO()).is_terminal
    below = feedback_of(out)
    assert " ".join(below.split()) == ("Feedback on the exercises that lost points: week1.adam failed 0/1 "
                                       + LONG_MESSAGE)
    assert "…" not in out
    assert all(len(line) <= 80 for line in out.splitlines())
    assert "expected\n  -0.39815" in below or "expected -0.39815" in below  # never cut inside a word


def test_cut_feedback_keeps_the_diagnosis_and_says_how_to_see_the_rest():
    """When a message is too long (or too many lines) to show whole, is it cut between words with a hint
    naming -v, and is the known mistake it was recognised as still shown?"""
    words = " ".join(f"value{i}" for i in range(400))
    named = CheckResult("week1.adam", "matches torch", FAILED, 0, 1,
                        f"{words}. This is exactly what Adam without bias correction gives.",
                        mistake="Adam without bias correction")
    below = feedback_of(table_text(GradeReport("week1_linear_models", "s", [named])))
    flat = " ".join(below.split())
    assert "value0 value1" in flat and "value399" not in flat
    assert re.search(r"value\d+ … This is exactly what Adam without bias correction gives\. "
                     r"\(-v for the full feedback\)$", flat), flat
    lines = "\n".join(f"line {i}" for i in range(10))
    below = feedback_of(table_text(one_check(lines)))
    assert "line 3" in below and "line 4" not in below
    assert "line 3 … (-v for the full feedback)" in below


def test_feedback_says_when_other_checks_of_the_exercise_lost_points():
    """Does the feedback of an exercise say how many of its other checks lost points, and point to -v?"""
    results = [CheckResult("week1.adam", "a", FAILED, 0, 1, "first problem"),
               CheckResult("week1.adam", "b", FAILED, 0, 1, "second problem"),
               CheckResult("week1.adam", "c", "error", 0, 1, "third problem")]
    below = feedback_of(table_text(GradeReport("week1", "s", results)))
    assert "first problem (2 more checks lost points: -v for the full feedback)" in below
    assert "second problem" not in below


@pytest.mark.parametrize("text, limit, expected", [
    ("short", 10, ("short", False)),
    ("expected -0.39815 here", 14, ("expected", True)),
    ("x" * 30, 10, ("x" * 10, True)),  # one long word: cut inside it
])
def test_shorten_cuts_between_words(text, limit, expected):
    """Is text cut at the last space before the limit (inside a word only when one word is most of it)?"""
    assert rp.shorten(text, limit) == expected


def test_console_outside_a_terminal_is_wide_unless_columns_says(monkeypatch):
    """Writing to a file or a pipe, is the console 120 columns wide rather than rich's 80, unless COLUMNS or
    the caller sets the width?"""
    monkeypatch.delenv("COLUMNS", raising=False)
    assert rp.make_console(file=io.StringIO()).width == rp.NON_TERMINAL_WIDTH == 120
    assert rp.make_console(file=io.StringIO(), width=70).width == 70
    monkeypatch.setenv("COLUMNS", "90")
    assert rp.make_console(file=io.StringIO()).width == 90


@pytest.mark.parametrize("folder, label", [
    ("/x/submissions/alice", "alice"),
    ("/x/submissions/alice/week1_linear_models", "alice"),
    ("/x/alice/week1", "alice"),
    ("/autograder/submission", "submission"),
    ("/x/solutions/week1_linear_models", "solutions"),
    ("/week1_linear_models", "week1_linear_models"),
])
def test_submission_label_names_the_student_not_the_week(folder, label):
    """Is a submission named after its folder, or the folder above when the folder is the week's own?"""
    assert rp.submission_label(folder, "week1_linear_models") == label


def test_table_shows_student_markup_literally():
    """Is "[bold]" in a student's message shown as typed instead of being interpreted by rich?"""
    report = make_report(notes=["[red]note[/red] :smile:"])
    text = table_text(report)
    assert "ZeroDivisionError: [bold]division by zero[/bold]" in text
    assert "[red]note[/red] :smile:" in text
    verbose = table_text(report, verbose=True)
    assert "ZeroDivisionError: [bold]division by zero[/bold]" in verbose


def test_table_markup_does_not_restyle_a_colour_terminal():
    """Does markup in a message stay text on a colour terminal, without turning the rest bold?"""
    file = io.StringIO()
    console = Console(file=file, force_terminal=True, color_system="truecolor", width=120)
    render_table(one_check("[bold]x[/bold] [link=http://evil]y[/link]"), console)
    out = file.getvalue()
    assert "[bold]x[/bold]" in out and "[link=http://evil]y[/link]" in out
    assert "\x1b]8;" not in out  # no hyperlink escape was produced


def test_table_spells_out_control_characters():
    """Are ANSI escapes and bells in a message shown as text, never sent to the terminal?"""
    text = table_text(one_check("\x1b[2J\x07cleared\u202eevil"), verbose=True)
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "\\x1b[2J\\x07cleared\\u202eevil" in text


def test_table_without_colour_still_names_every_status():
    """Without colour (CI logs, pipes), can a reader still tell every status apart?"""
    file = io.StringIO()
    console = Console(file=file, no_color=True, width=120)
    render_table(make_report(), console)
    out = file.getvalue()
    assert "\x1b[" not in out  # not a terminal: plain text
    for label in ("passed", "failed", "not implemented yet", "timeout", "error"):
        assert label in out


def test_table_colours_statuses_on_a_terminal():
    """On a colour terminal, are passed rows green and failed rows red?"""
    file = io.StringIO()
    console = Console(file=file, force_terminal=True, color_system="standard", width=120)
    render_table(make_report(), console)
    out = file.getvalue()
    assert "\x1b[32mpassed" in out
    assert "\x1b[31mfailed" in out
    assert "\x1b[35mtimeout" in out


def test_verbose_table_lists_every_check_with_full_output():
    """With verbose=True, is every check listed under its exercise with its whole output?"""
    text = table_text(make_report(), verbose=True)
    for r in make_report().results:
        assert r.name in text
    assert ADAM_HINT in text
    assert "case 0: ..." in text
    assert "(hidden check)" in text
    assert text.index("keeps state per parameter") < text.index("\nweek1.ridge  not implemented yet  0/3")
    assert text.rstrip().splitlines()[-1].startswith("Note:")


def test_table_says_when_only_public_checks_ran():
    """Does a self-check run say it ran only the public checks?"""
    assert "public checks only" in table_text(make_report(mode="check"))


# ----------------------------------------------------------------------- Gradescope


def test_gradescope_results_have_the_expected_fields():
    """Does results.json carry exactly the expected values for each check and at the top level?"""
    data = to_gradescope(make_report())
    assert validate_gradescope(data) == []
    assert data["score"] == 4.5
    assert data["execution_time"] == 13
    assert data["visibility"] == "visible"
    assert data["stdout_visibility"] == "hidden"
    # shown at once: the public checks' points only (the hidden check lost 3 of the 16)
    assert "week1_linear_models" in data["output"] and "Public checks: 4.5 / 13" in data["output"]
    assert "16" not in data["output"] and "Hidden checks (3 points)" in data["output"]
    assert "sandbox: running without network isolation" in data["output"]
    tests = data["tests"]
    assert [t["name"] for t in tests] == [r.title for r in make_report().results]
    assert tests[0] == {
        "name": "week1.sgd: matches the update rule",
        "number": "week1.sgd",
        "score": 2.0,
        "max_score": 2.0,
        "status": "passed",
        "output": "",
        "visibility": "visible",
    }
    assert tests[1] == {
        "name": "week1.adam: matches torch.optim.Adam over 50 steps",
        "number": "week1.adam",
        "score": 0.0,
        "max_score": 3.0,
        "status": "failed",
        "output": ADAM_HINT,
        "visibility": "after_published",
    }
    assert tests[3]["status"] == "failed"
    assert tests[3]["output"] == "Not implemented yet. week1.ridge is not implemented yet"
    assert tests[4]["status"] == "failed"
    assert tests[4]["output"] == "Timed out. no answer within 10 s"
    assert tests[5]["output"].startswith("Error. ZeroDivisionError: [bold]")
    assert tests[6]["status"] == "failed"  # partial credit is not a pass
    assert tests[6]["score"] == 1.5


def test_gradescope_status_prefix_stands_alone_for_empty_output():
    """When a timed-out check has no output, is the output just "Timed out."?"""
    assert to_gradescope(one_check("", status="timeout"))["tests"][0]["output"] == "Timed out."


def test_gradescope_rounds_scores_and_keeps_the_total_consistent():
    """With thirds of points, are scores rounded to 4 decimals and the total still their sum?"""
    results = [CheckResult("week1.sgd", f"c{i}", "failed", 1 / 3, 1) for i in range(7)]
    data = to_gradescope(GradeReport("week1", "s", results, execution_time=-3.0))
    assert [t["score"] for t in data["tests"]] == [0.3333] * 7
    assert data["score"] == 2.3331
    assert data["execution_time"] == 0
    assert validate_gradescope(data) == []


def test_gradescope_denies_non_finite_scores_and_hides_unknown_visibility():
    """Does a NaN score become 0 (valid JSON) and an unknown visibility stay unpublished?"""
    r = CheckResult("week1.sgd", "a", "passed", float("nan"), 1, visibility="secret")
    data = to_gradescope(GradeReport("week1", "s", [r], execution_time=float("nan")))
    assert data["tests"][0]["score"] == 0.0 and data["tests"][0]["status"] == "failed"
    assert data["tests"][0]["visibility"] == "after_published"
    assert validate_gradescope(data) == []
    json.dumps(data, allow_nan=False)


VALID = to_gradescope(make_report())


def _mutated(mutate):
    data = copy.deepcopy(VALID)
    mutate(data)
    return data


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda d: d.pop("score"), "missing key 'score'"),
        (lambda d: d.pop("tests"), "missing key 'tests'"),
        (lambda d: d.pop("execution_time"), "missing key 'execution_time'"),
        (lambda d: d.pop("output"), "missing key 'output'"),
        (lambda d: d["tests"][0].pop("name"), "tests[0]: missing key 'name'"),
        (lambda d: d["tests"][2].pop("max_score"), "tests[2]: missing key 'max_score'"),
        (lambda d: d["tests"][1].pop("visibility"), "tests[1]: missing key 'visibility'"),
        (lambda d: d.update(score="3.5"), "'score' must be a finite number"),
        (lambda d: d.update(score=True), "'score' must be a finite number"),
        (lambda d: d.update(execution_time=12.6), "'execution_time' must be a non-negative integer"),
        (lambda d: d.update(execution_time=-1), "'execution_time' must be a non-negative integer"),
        (lambda d: d.update(output=None), "'output' must be a string"),
        (lambda d: d.update(tests={}), "'tests' must be a list"),
        (lambda d: d["tests"].append("oops"), "tests[7] must be an object"),
        (lambda d: d["tests"][0].update(name=3), "tests[0]: 'name' must be a string"),
        (lambda d: d["tests"][0].update(output=["x"]), "tests[0]: 'output' must be a string"),
        (lambda d: d["tests"][0].update(score=float("nan")), "tests[0]: 'score' must be a finite number"),
        (lambda d: d["tests"][0].update(max_score="2"), "tests[0]: 'max_score' must be a finite number"),
        (lambda d: (d["tests"][1].update(score=4.0), d.update(score=7.5)), "tests[1]: score 4.0 outside [0, 3.0]"),
        (lambda d: (d["tests"][1].update(score=-1.0), d.update(score=2.5)), "tests[1]: score -1.0 outside [0, 3.0]"),
        (lambda d: d["tests"][4].update(status="timeout"), "tests[4]: status must be passed or failed"),
        (lambda d: d["tests"][0].update(visibility="public"), "tests[0]: visibility must be one of"),
        (lambda d: d.update(visibility="everyone"), "'visibility' must be one of"),
        (lambda d: d.update(stdout_visibility="shown"), "'stdout_visibility' must be one of"),
        (lambda d: d.update(score=3.6), "is not the sum of the tests' scores"),
    ],
)
def test_validate_gradescope_catches_each_kind_of_problem(mutate, expected):
    """Does validate_gradescope name each kind of schema problem?"""
    assert validate_gradescope(VALID) == []
    problems = validate_gradescope(_mutated(mutate))
    assert any(expected in p for p in problems), problems


def test_validate_gradescope_rejects_a_non_object():
    """Is a list at the top level reported instead of crashing the validator?"""
    assert validate_gradescope([]) == ["results must be a JSON object, not list"]


def test_validate_gradescope_tolerates_rounding_in_the_total():
    """Is a total that differs from the tests' sum only by float rounding accepted?"""
    data = _mutated(lambda d: d.update(score=4.5 + 1e-9))
    assert validate_gradescope(data) == []


# ------------------------------------------------------------------------- Markdown


def test_markdown_has_title_total_table_and_what_to_do_next():
    """Does the feedback file carry the week, the submission, the total, the exercise table and a next step?"""
    md = to_markdown(make_report())
    first = md.splitlines()[0]
    assert first.startswith("# ") and "week1_linear_models" in first and "alice" in first
    assert "**Total: 4.5 / 16 (28.1%)**" in md
    assert "sandbox: running without network isolation" in md
    assert "| Exercise | Status | Points |" in md
    assert "| `week1.sgd` | passed | 2/2 |" in md
    assert "| `week1.adam` | failed | 1/4 |" in md
    assert "| `week1.ridge` | not implemented yet | 0/3 |" in md
    assert "| `week1.logistic` | failed | 1.5/3 |" in md
    assert "## What to do next" in md
    assert "`dlgrade check week1`" in md.split("## What to do next")[1]


def test_markdown_details_only_what_lost_points():
    """Is there a section for each exercise that lost points, with its failing checks only?"""
    md = to_markdown(make_report())
    headings = re.findall(r"^## `(week1\.\w+)`", md, flags=re.M)
    assert headings == ["week1.adam", "week1.ridge", "week1.softmax", "week1.mse", "week1.logistic"]
    assert "matches the update rule" not in md  # week1.sgd passed
    assert "keeps state per parameter" not in md  # passed check of a failed exercise
    assert "### matches torch.optim.Adam over 50 steps (hidden check)" in md
    assert "is the bias correction applied?" in md  # hidden outputs are shown
    assert "### solves the normal equations\n" in md  # public: not marked hidden
    assert "**not implemented yet** (0/3 points)" in md


def test_markdown_fences_multiline_output_and_inlines_single_lines():
    """Is a multi-line output in a fenced block and a one-line output on the check's line?"""
    md = to_markdown(make_report())
    assert "```text\nZeroDivisionError: [bold]division by zero[/bold]\n  in mse_grad, line 12\n```" in md
    assert "**timeout** (0/2 points): no answer within 10 s" in md


def test_markdown_fence_survives_backticks_in_output():
    """Can backticks in a message close the fenced block early? (They must not.)"""
    output = "before\n```\n# not a heading\n`````\nafter"
    md = to_markdown(one_check(output))
    assert "``````text\n" + output + "\n``````" in md


def test_markdown_escapes_single_line_output():
    """Is a one-line message with Markdown or HTML in it shown literally?"""
    md = to_markdown(one_check("<img src=x onerror=alert(1)> **bold** [link](http://x) | `code`"))
    assert not re.search(r"(?<!\\)[<>*\[\]`|]", md.split("points): ")[1].splitlines()[0])
    assert "\\<img src=x onerror=alert(1)\\> \\*\\*bold\\*\\* \\[link\\](http://x) \\| \\`code\\`" in md


def html(md: str) -> str:
    from markdown_it import MarkdownIt  # CommonMark; rich depends on it

    return MarkdownIt("commonmark").render(md)


@pytest.mark.parametrize("text, line_start, shown", [
    ("got #, expected # (case #)", True, "got #, expected # (case #)"),  # "#" mid-line is plain text
    ("# of # cases wrong", True, "\\# of # cases wrong"),  # would start a heading
    ("# of # cases wrong", False, "# of # cases wrong"),  # not at the start of a line
    ("- item", True, "\\- item"),
    ("1. first", True, "1\\. first"),
    ("1.5 is the step", True, "1.5 is the step"),
    ("-0.5 is the loss", True, "-0.5 is the loss"),
    ("week1_linear_models", True, "week1_linear_models"),
])
def test_md_inline_escapes_block_markers_only_where_they_start_a_line(text, line_start, shown):
    """Is "#" (and a list marker) escaped only where it could open a block, so that hints with numbers
    normalised to "#" are not littered with backslashes?"""
    assert rp.md_inline(text, line_start=line_start) == shown


@pytest.mark.parametrize("text", ["# Heading", "## x", "- item", "+ item", "1. first", "3) third", "---", "> quote",
                                  "#", "<b>x</b>", "**bold**", "[a](http://x)"])
def test_md_inline_text_opens_no_block_in_a_list_item_or_a_heading(text):
    """Put where a list item's text or a heading's last words go, does a student's text stay a plain paragraph
    of literal text (no heading, nested list, rule or quote)?"""
    item = html(f"- {rp.md_inline(text)}\n")
    assert item.count("<li>") == 1 and not re.search(r"<(h\d|ol|blockquote|hr|strong|a|b)\b", item), item
    heading = html(f"# Feedback for week1: {rp.md_inline(text, line_start=False, heading_end=True)}\n")
    assert heading.count("<h1>") == 1 and not re.search(r"<(strong|a|b)\b", heading), heading
    assert html(f"# a {rp.md_inline('#', False, True)}\n") == "<h1>a #</h1>\n"  # not a closing sequence


def test_summary_md_shows_normalised_numbers_without_backslashes():
    """Does summary.md show hints such as "got #, expected #" as they are (no "\\#"), while a student-controlled
    string that would open a heading, a list or a link is still escaped?"""
    from grader import class_summary

    def meta(student, hint):
        return {"student": student, "score": 0, "max_score": 3, "isolation": "bubblewrap", "notes": [],
                "exercises": [{"id": "week1.adam", "score": 0, "max_score": 3, "status": "failed", "hint": hint}]}

    hints = ["# of # cases wrong"] * 3 + ["got #, expected # at (#, #)"] * 2 + ["# evil [click](http://x) <img src=x>"]
    metas = [meta(f"s{i}", h) for i, h in enumerate(hints)]
    summary = class_summary.class_summary("week1_linear_models", metas, {"# mallory": "- the judge died"}, [])
    md = class_summary.summary_markdown(summary)
    assert "\\#" not in md.split("## Could not be graded")[0]
    assert ("- 100% failed week1.adam; most common: # of # cases wrong (3 of 6); then: got #, expected # at (#, #) (2), "
            "# evil \\[click\\](http://x) \\<img src=x\\> (1)\n") in md
    rendered = html(md)
    assert rendered.count("<img") == 1 and "<a href" not in rendered  # the histogram only
    assert "mallory" in rendered and "<h2>Could not be graded</h2>" in rendered
    assert re.findall(r"<h\d>", rendered) == ["<h1>", "<h2>", "<h2>"]  # title, Exercises, Could not be graded


def test_feedback_title_names_the_student():
    """Does the feedback file's title name the week and then the student, a "#" in the name kept literal?"""
    assert to_markdown(make_report()).splitlines()[0] == "# Feedback for week1_linear_models: alice"
    md = to_markdown(make_report(submission="team #"))
    assert md.splitlines()[0] == "# Feedback for week1_linear_models: team \\#"
    assert html(md).startswith("<h1>Feedback for week1_linear_models: team #</h1>")


def test_markdown_for_a_perfect_submission_has_no_exercise_sections():
    """When everything passed, is there no failure section but still a pointer to dlgrade check?"""
    report = GradeReport("week2_neural_networks", "carol", [CheckResult("week2.dense", "forward", "passed", 1, 1)])
    md = to_markdown(report)
    assert not re.search(r"^## `", md, flags=re.M)
    assert "Every check passed" in md and "`dlgrade check week2`" in md


# ----------------------------------------------------------------------- truncation


def test_truncate_caps_length_and_marks_the_cut():
    """Is a long text cut to exactly the limit with the marker, and a short one left alone?"""
    assert truncate("x" * MAX_OUTPUT) == "x" * MAX_OUTPUT
    cut = truncate("x" * (MAX_OUTPUT + 1))
    assert len(cut) == MAX_OUTPUT and cut.endswith(TRUNCATED)


def test_every_format_truncates_a_huge_output():
    """Is a 50,000-character message capped at 2,000 characters in the table, results.json and Markdown?"""
    huge = "line\n" * 10_000
    report = one_check(huge)
    out = to_gradescope(report)["tests"][0]["output"]
    assert len(out) <= MAX_OUTPUT and out.endswith(TRUNCATED)
    md = to_markdown(report)
    assert TRUNCATED in md and md.count("line\n") < MAX_OUTPUT // 5
    text = table_text(report, verbose=True)
    assert TRUNCATED in text and text.count("line") < MAX_OUTPUT // 4
    prefixed = to_gradescope(one_check("y" * 5000, status="error"))["tests"][0]["output"]
    assert len(prefixed) == MAX_OUTPUT and prefixed.startswith("Error. ")


def test_gradescope_summary_is_capped():
    """Are many long notes kept under the output cap too?"""
    data = to_gradescope(make_report(notes=["n" * 1500] * 3))
    assert len(data["output"]) <= MAX_OUTPUT and data["output"].endswith(TRUNCATED)


# -------------------------------------------------------------------------- writing


def test_write_gradescope_writes_indented_utf8_json(tmp_path):
    """Is results.json indented, UTF-8 and not ASCII-escaped, and does it read back equal?"""
    report = make_report(notes=["Übung: naïve ✓"])
    path = tmp_path / "results.json"
    write_gradescope(report, path)
    raw = path.read_bytes().decode("utf-8")
    assert "Übung: naïve ✓" in raw
    assert raw.startswith('{\n  "score": 4.5,')
    assert json.loads(raw) == to_gradescope(report)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]


def test_write_replaces_old_content_completely(tmp_path):
    """Does writing over an existing file leave exactly the new content?"""
    path = tmp_path / "feedback.md"
    path.write_text("old " * 10_000, encoding="utf-8")
    write_markdown(make_report(), path)
    assert path.read_text(encoding="utf-8") == to_markdown(make_report())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feedback.md"]


def test_target_keeps_old_content_while_new_content_is_written(tmp_path):
    """While the new file is being written, does a reader of the target still see the old, complete content?"""
    path = tmp_path / "results.json"
    path.write_text("old", encoding="utf-8")
    seen = []

    def write(f):
        f.write("new, part 1 ")
        f.flush()
        seen.append(path.read_text(encoding="utf-8"))
        f.write("part 2")

    atomic_write(path, write)
    assert seen == ["old"]
    assert path.read_text(encoding="utf-8") == "new, part 1 part 2"


@pytest.mark.parametrize("existed", [True, False])
def test_failing_serialisation_leaves_no_partial_or_temp_file(tmp_path, monkeypatch, existed):
    """When JSON serialisation fails halfway, is the old file untouched and no temp file left behind?"""
    path = tmp_path / "results.json"
    if existed:
        path.write_text('{"score": 1}', encoding="utf-8")
    # The object() sits after serialisable keys, so json.dump fails with part of the file written.
    monkeypatch.setattr(rp, "to_gradescope", lambda report: {"score": 1.0, "tests": [{"a": 1}, object()]})
    with pytest.raises(TypeError):
        write_gradescope(make_report(), path)
    if existed:
        assert path.read_text(encoding="utf-8") == '{"score": 1}'
        assert [p.name for p in tmp_path.iterdir()] == ["results.json"]
    else:
        assert list(tmp_path.iterdir()) == []


def test_failing_replace_leaves_no_temp_file(tmp_path, monkeypatch):
    """If the final rename fails, is the temp file removed and the old file kept?"""
    path = tmp_path / "feedback.md"
    path.write_text("old", encoding="utf-8")

    def refuse(src, dst):
        raise OSError("disk says no")

    monkeypatch.setattr(rp.os, "replace", refuse)
    with pytest.raises(OSError, match="disk says no"):
        write_markdown(make_report(), path)
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["feedback.md"]


# --------------------------------------------------------------------- properties

hostile_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", "[bold]x[/bold]", "[/]", "```", "`", ":smile:", "\x1b[31m", "é ✓ 漢字", "\r\n", "a|b", "\\"]),
    st.lists(st.sampled_from(["[red]", "```", "\n", "x", "`", "]", "\\", "ü", "|", "\r"]), max_size=30).map("".join),
)
check_results = st.builds(
    CheckResult,
    id=st.from_regex(r"week[1-6]\.[a-z_]{1,12}", fullmatch=True),
    name=hostile_text,
    status=st.sampled_from(STATUSES),
    score=st.floats(-5, 50, allow_nan=False),
    max_score=st.floats(0, 50, allow_nan=False),
    output=st.one_of(hostile_text, st.text(min_size=1900, max_size=2500)),
    visibility=st.sampled_from(["public", "hidden"]),
    seconds=st.floats(0, 100),
)
reports = st.builds(
    GradeReport,
    week=st.sampled_from(["week1", "week3_cnn"]) | hostile_text,
    submission=hostile_text,
    results=st.lists(check_results, max_size=12),
    execution_time=st.floats(allow_nan=True, allow_infinity=True),
    mode=st.sampled_from(["grade", "check"]),
    notes=st.lists(hostile_text, max_size=3),
)


@settings(max_examples=200, deadline=None)
@given(reports)
def test_gradescope_output_of_any_report_validates(report):
    """Whatever the statuses, scores and text, does to_gradescope produce valid, serialisable results?"""
    data = to_gradescope(report)
    assert validate_gradescope(data) == []
    assert json.loads(json.dumps(data, ensure_ascii=False, allow_nan=False)) == data
    assert len(data["tests"]) == len(report.results)
    assert all(len(t["output"]) <= MAX_OUTPUT for t in data["tests"])


@settings(max_examples=100, deadline=None)
@given(reports)
def test_table_and_markdown_render_any_report(report):
    """Do the table and the Markdown render any report without raising or leaking escape codes?"""
    text = table_text(report, verbose=True)
    assert "\x1b" not in text
    md = to_markdown(report)
    assert "\x1b" not in md


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["`", "``", "````", "x", "\n", " ", "~~~"]), min_size=1, max_size=40).map("".join))
def test_fence_is_longer_than_any_backtick_run(output):
    """Does every multi-line output sit whole inside a fence no backtick run in it can close?"""
    output = "first\n" + output + "\nlast"
    md = to_markdown(one_check(output))
    body = rp.clean_output(output).strip("\n")
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    assert f"\n{fence}text\n{body.rstrip(chr(10))}\n{fence}\n" in md


# ------------------------------------------------------- what students see, and when

ISOLATION = "WARNING: student code was NOT isolated ... could read the solutions"


def test_instructor_notes_reach_the_terminal_only():
    """Are instructor-only notes (the isolation warning) shown on the terminal but kept out of results.json
    (visible output and tests) and feedback.md, while the student's own notes go everywhere?"""
    report = make_report(notes=["regression.py is missing from the submission"], instructor_notes=[ISOLATION])
    assert ISOLATION in table_text(report, verbose=True)
    assert "regression.py is missing" in table_text(report)
    data = to_gradescope(report)
    assert "NOT isolated" not in json.dumps(data) and "solutions" not in json.dumps(data)
    assert "regression.py is missing" in data["output"]
    md = to_markdown(report)
    assert "NOT isolated" not in md and "regression.py is missing" in md


def test_visible_output_reveals_nothing_of_hidden_checks():
    """Does results.json's top-level output (shown at once) give the public checks' points only, saying that
    hidden checks come with publication, while the score is still the total? Without hidden checks, the total."""
    hidden_pass = make_report(results=[CheckResult("week1.sgd", "update", "failed", 0, 2),
                                       CheckResult("week1.sgd", "hidden problem", "passed", 3, 3, "", "hidden")])
    hidden_fail = make_report(results=[CheckResult("week1.sgd", "update", "failed", 0, 2),
                                       CheckResult("week1.sgd", "hidden problem", "failed", 0, 3, "got 7", "hidden")])
    outputs = {to_gradescope(r)["output"] for r in (hidden_pass, hidden_fail)}
    assert len(outputs) == 1  # the same whatever the hidden check did
    (output,) = outputs
    assert "Public checks: 0 / 2" in output and "Hidden checks (3 points)" in output and "published" in output
    assert to_gradescope(hidden_pass)["score"] == 3
    assert [t["visibility"] for t in to_gradescope(hidden_fail)["tests"]] == ["visible", "after_published"]
    public_only = make_report(results=[CheckResult("week1.sgd", "update", "passed", 2, 2)], notes=[])
    assert to_gradescope(public_only)["output"] == "week1_linear_models: Total: 2 / 2 (100.0%)"


ESCAPES = ["\x1b]52;c;ZWNobyBwd25lZA==\x07", "\x1b[2J\x1b[HTotal: 63 / 63", "\x1b]8;;https://evil.example/\x1b\\x\x1b]8;;\x1b\\",
           "\x9b31m", "\x9d52;c;x\x9c", "\x07", "\x7f", "[link=https://evil.example/]x[/link]"]
RAW_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def test_results_json_and_feedback_carry_no_raw_control_characters(tmp_path):
    """Do results.json and feedback.md hold student text (escape sequences, C1 controls, a bell) only as
    visible text: no raw ESC or C1 in the files' bytes, nor in the strings results.json decodes to?"""
    text = " ".join(ESCAPES)
    report = make_report(results=[CheckResult("week1.sgd", "update " + text, "failed", 0, 2, text + "\n" + text),
                                  CheckResult("week1.adam", "state", "error", 0, 1, text)], notes=[text])
    write_gradescope(report, tmp_path / "results.json")
    write_markdown(report, tmp_path / "feedback.md")
    for name in ("results.json", "feedback.md"):
        raw = (tmp_path / name).read_bytes()
        assert b"\x1b" not in raw and b"\x07" not in raw, name
        assert not RAW_CONTROLS.search(raw.decode("utf-8")), name
        assert "\\x1b]52" in raw.decode("utf-8").replace("\\\\", "\\"), name  # shown, spelled out
    data = json.loads((tmp_path / "results.json").read_text())
    strings = [data["output"]] + [t[k] for t in data["tests"] for k in ("name", "output")]
    assert not any(RAW_CONTROLS.search(s) for s in strings), strings


def test_terminal_shows_student_escapes_as_text():
    """On a colour terminal, do escape sequences and markup in outputs and notes come out as text, never as
    sequences the terminal would run (OSC 52, OSC 8, a cleared screen, C1 controls, a bell)?"""
    text = " ".join(ESCAPES)
    report = make_report(results=[CheckResult("week1.sgd", "update " + text, "failed", 0, 2, text)],
                         notes=[text], instructor_notes=[text])
    buf = io.StringIO()
    render_table(report, Console(file=buf, force_terminal=True, color_system="truecolor", width=150), verbose=True)
    out = buf.getvalue()
    for bad in ("\x1b]", "\x1b[2J", "\x1b[H", "\x9b", "\x9d", "\x07"):
        assert bad not in out, repr(bad)
    assert "\\x1b]52" in out and "[link=https://evil.example/]" in out
