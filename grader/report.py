"""Reports of one grading run: a terminal table, Gradescope's results.json, and a
Markdown feedback file.

Students control parts of every `output` (their exceptions' messages end up in
it), so all three treat it as hostile: the terminal never interprets it as rich
markup or escape sequences, Markdown never lets it open or close a construct, and
every output is capped at `MAX_OUTPUT` characters.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Callable, TextIO

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from .compare import DIAGNOSIS
from .scoring import (
    ERROR,
    NOT_IMPLEMENTED,
    PASSED,
    PUBLIC,
    TIMEOUT,
    CheckResult,
    ExerciseSummary,
    GradeReport,
)

MAX_OUTPUT = 2000
TRUNCATED = "… (truncated)"
# Without -v, each exercise that lost points shows this much of its first failing check's output.
FEEDBACK_LIMIT = 600
FEEDBACK_LINES = 4
MORE_HINT = "-v for the full feedback"
# Where the output is not a terminal (a file, a pipe, a CI log) and COLUMNS does not say.
NON_TERMINAL_WIDTH = 120

# What students read for each internal status; the vocabulary itself stays fixed.
STATUS_LABELS = {NOT_IMPLEMENTED: "not implemented yet"}
STATUS_STYLES = {
    PASSED: "green",
    "failed": "red",
    NOT_IMPLEMENTED: "yellow",
    TIMEOUT: "magenta",
    ERROR: "magenta",
}
# Gradescope knows only passed/failed; the internal status survives as a prefix.
OUTPUT_PREFIXES = {
    NOT_IMPLEMENTED: "Not implemented yet. ",
    TIMEOUT: "Timed out. ",
    ERROR: "Error. ",
}

GRADESCOPE_STATUSES = ("passed", "failed")
GRADESCOPE_VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")

# Bidirectional overrides and isolates can make displayed text lie about its order.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


# --------------------------------------------------------------------------- text


def status_label(status: str) -> str:
    """The status as students see it ("not implemented" -> "not implemented yet")."""
    return STATUS_LABELS.get(status, status)


def truncate(text: str, limit: int = MAX_OUTPUT) -> str:
    """`text` cut to at most `limit` characters, ending in a "… (truncated)" marker when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - len(TRUNCATED), 0)] + TRUNCATED


def printable(text: str) -> str:
    """`text` with line endings normalised and every other control character (ANSI escape
    sequences, bells, bidirectional overrides) spelled out, so a terminal shows it literally."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for ch in text:
        if ch in "\n\t":
            out.append(ch)
        elif ch in _BIDI_CONTROLS or unicodedata.category(ch) == "Cc":
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def clean_output(text: str) -> str:
    """A check's output made safe to display: printable, then capped at `MAX_OUTPUT`."""
    return truncate(printable(text or ""))


def format_points(x: float) -> str:
    """Points without noise: 2.0 -> "2", 31.5 -> "31.5", 2/3 -> "0.67"."""
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def total_line(report: GradeReport, label: str = "Total") -> str:
    """ "Total: 31.5 / 40 (78.8%)"; no percentage when nothing could be scored. With
    ``label="Public checks"``, the same for the public checks alone."""
    results = report.public_results if label == "Public checks" else report.results
    score, max_score = sum(r.score for r in results), sum(r.max_score for r in results)
    line = f"{label}: {format_points(score)} / {format_points(max_score)}"
    if max_score > 0:
        line += f" ({100 * score / max_score:.1f}%)"
    return line


def _fully_passed(r: CheckResult | ExerciseSummary) -> bool:
    return r.status == PASSED and r.score >= r.max_score


def _points(r: CheckResult | ExerciseSummary) -> str:
    return f"{format_points(r.score)}/{format_points(r.max_score)}"


def render_failure(message: str, mistake: str | None) -> str:
    """A check's feedback: its message, then the known mistake it was recognised as, if any."""
    message = (message or "").strip()
    if not mistake:
        return message
    sentence = DIAGNOSIS.format(label=mistake)
    if not message:
        return sentence
    return f"{message}{'' if message.endswith(('.', '!', '?')) else '.'} {sentence}"


def _lost_checks(ex: ExerciseSummary) -> list[CheckResult]:
    return [r for r in ex.checks if not _fully_passed(r)]


def shorten(text: str, limit: int) -> tuple[str, bool]:
    """`text` cut to at most about `limit` characters at a word boundary (a word longer than
    half the limit is cut inside), and whether anything was cut."""
    if len(text) <= limit:
        return text, False
    cut = text[:limit]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(), True


def key_feedback(ex: ExerciseSummary, limit: int = FEEDBACK_LIMIT) -> str:
    """What an exercise that lost points shows without ``-v``: the output of its first check
    that did not fully pass (at most `FEEDBACK_LINES` lines and about `limit` characters, cut
    between words), with the known mistake it was recognised as kept even when the message is
    cut, and a hint naming ``-v`` whenever something was left out (the rest of the output, or
    other checks that lost points). Printable text; "" for an exercise that lost nothing."""
    lost = _lost_checks(ex)
    if not lost:
        return ""
    first = lost[0]
    output = "\n".join(line.rstrip() for line in clean_output(first.output).strip("\n").splitlines())
    if not output.strip():
        output = f"{printable(first.name)}: {status_label(first.status)}."
    diagnosis = printable(DIAGNOSIS.format(label=first.mistake)) if first.mistake else ""
    body = output[: -len(diagnosis)].rstrip() if diagnosis and output.endswith(diagnosis) else output
    lines = body.splitlines()
    shown, cut = shorten("\n".join(lines[:FEEDBACK_LINES]), max(limit - len(diagnosis), limit // 2))
    cut = cut or len(lines) > FEEDBACK_LINES
    if cut:
        shown += " …"
    if diagnosis:
        shown += f"{'' if shown.endswith(('.', '!', '?', '…')) else '.'} {diagnosis}"
    more = len(lost) - 1
    if more:
        shown += f" ({'… ' if cut else ''}{more} more check{'s' if more > 1 else ''} lost points: {MORE_HINT})"
    elif cut:
        shown += f" ({MORE_HINT})"
    return shown


def _short_week(week: str) -> str:
    """``week1_linear_models`` -> ``week1`` (the id students type)."""
    return week.split("_")[0]


# ------------------------------------------------------------------------ terminal


def _status_text(status: str) -> Text:
    return Text(status_label(status), style=STATUS_STYLES.get(status, ""))


def make_console(**kwargs) -> Console:
    """A `rich.console.Console` for reports (no highlighting). Where the output is not a terminal (a file,
    a pipe, a CI log) and neither `kwargs` nor the COLUMNS variable give a width, it is
    `NON_TERMINAL_WIDTH` columns rather than rich's 80, so that tables keep readable columns."""
    console = Console(highlight=False, **kwargs)
    if "width" not in kwargs and not console.is_terminal and not console.is_jupyter \
            and not os.environ.get("COLUMNS", "").strip().isdigit():
        console.width = NON_TERMINAL_WIDTH
    return console


def submission_label(folder: str | os.PathLike, week: str) -> str:
    """The name a report gives the submission in `folder`: the folder's name, or its parent's when the
    folder is the week's own (``alice/week1_linear_models`` is alice's; so is ``./week1`` in a student's
    folder), so that a report's title names whose work it is rather than the week twice."""
    path = Path(os.path.abspath(folder))
    if path.name in (week, _short_week(week)) and path.parent.name:
        path = path.parent
    return path.name or str(path)


def render_table(report: GradeReport, console: Console | None = None, verbose: bool = False) -> None:
    """Print the per-exercise table, the feedback of each exercise that lost points, the total and the
    report's notes.

    Args:
        report: the grading run to show.
        console: where to print; `make_console()` when None. Without colour (``no_color``, or
            not a terminal) the statuses are still spelled out.
        verbose: list every check under its exercise with its full output, instead of the
            feedback of each exercise that lost points (`key_feedback`).

    The table has short columns only; feedback goes below it as paragraphs that wrap at the
    console's width, so that no message is squeezed into a narrow column or cut without a hint.
    Student-controlled text is only ever passed to rich as `Text`, never as a markup
    string, so "[bold]" or ":smile:" in a message is shown as typed (the same effect as
    `rich.markup.escape`, without emoji codes or highlighting either).
    """
    console = console or make_console()
    title = f"{report.week} · {report.submission}"
    if report.mode == "check":
        title += " · public checks only"
    table = Table(title=Text(printable(title)), title_justify="left", show_lines=False)
    table.add_column("Exercise", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Points", justify="right", no_wrap=True)
    exercises = report.exercises()
    for ex in exercises:
        table.add_row(Text(printable(ex.id)), _status_text(ex.status), Text(_points(ex)))
    console.print(table)

    if verbose:
        for ex in exercises:
            console.print(_exercise_heading(ex))
            for r in ex.checks:
                line = Text.assemble("  ", _status_text(r.status), f"  {_points(r)}  ", printable(r.name))
                if r.visibility != PUBLIC:
                    line.append("  (hidden check)", style="dim")
                console.print(line)
                if r.output:
                    console.print(Padding(Text(clean_output(r.output)), (0, 0, 0, 6)))
        console.print()
    else:
        lost = [ex for ex in exercises if not _fully_passed(ex)]
        if lost:
            console.print(Text("Feedback on the exercises that lost points:", style="bold"))
        for ex in lost:
            console.print(_exercise_heading(ex))
            console.print(Padding(Text(key_feedback(ex)), (0, 0, 0, 2), expand=False))
        if lost:
            console.print()

    console.print(Text(total_line(report), style="bold"))
    for note in [*report.notes, *report.instructor_notes]:  # the terminal is the instructor's (or the student's own)
        loud = note.startswith("WARNING")
        console.print(Text.assemble(("Note: ", "bold red" if loud else "yellow"), (printable(note), "bold red" if loud else "")))


def _exercise_heading(ex: ExerciseSummary) -> Text:
    return Text.assemble((printable(ex.id), "bold"), "  ", _status_text(ex.status), f"  {_points(ex)}")


# ---------------------------------------------------------------------- Gradescope


def _finite(x: float) -> float:
    return float(x) if isinstance(x, (int, float)) and math.isfinite(x) else 0.0


def _test_entry(r: CheckResult) -> dict:
    # Deny by default: odd numbers become 0, an unknown visibility stays hidden.
    max_score = round(max(_finite(r.max_score), 0.0), 4)
    score = round(min(max(_finite(r.score), 0.0), max_score), 4)
    prefix = OUTPUT_PREFIXES.get(r.status, "")
    output = (prefix + printable(r.output)) if r.output else prefix.strip()
    return {
        "name": printable(r.title),
        "number": r.id,
        "score": score,
        "max_score": max_score,
        "status": "passed" if r.status == PASSED and score >= max_score else "failed",
        "output": truncate(output),
        "visibility": "visible" if r.visibility == PUBLIC else "after_published",
    }


def gradescope_summary(report: GradeReport) -> str:
    """The top-level `output` of results.json: week, what the student may see of the score, and
    the notes meant for the student. Students see it at once, so where hidden checks ran it gives
    the public checks' points only and says that the rest comes with publication; the
    instructor-only notes are never in it."""
    hidden = len(report.public_results) < len(report.results)
    if hidden:
        hidden_points = format_points(report.max_score - sum(r.max_score for r in report.public_results))
        lines = [f"{report.week}: {total_line(report, 'Public checks')}",
                 f"Hidden checks ({hidden_points} points) were graded too: their results and your total "
                 "are shown when grades are published."]
    else:
        lines = [f"{report.week}: {total_line(report)}" + (" (public checks only)" if report.mode == "check" else "")]
    lines += [f"Note: {note}" for note in report.notes]
    return truncate(printable("\n".join(lines)))


def to_gradescope(report: GradeReport) -> dict:
    """The report in Gradescope's results.json schema.

    Each test's score is rounded to 4 decimals and the top-level `score` is their
    sum (rounded again), so Gradescope's total and ours never disagree.

    What students see, and when (Gradescope's autograder specification, "Controlling test case
    visibility" and "Controlling standard output visibility"): public checks are tests with
    visibility ``visible``, hidden checks ``after_published`` (shown once the instructor publishes
    grades). The top-level ``score`` is the total, hidden checks included, as Gradescope needs
    it for the grade; Gradescope does not show students their total while some tests are hidden
    from them. The top-level ``output`` is shown at once (``visibility: visible`` only sets the
    default of tests that name none), so it reveals nothing of hidden checks (see
    `gradescope_summary`) and holds no instructor-only note. Those, and the full table with every
    check, go to the instructor through the grader's own stdout, which Gradescope shows to
    instructors only (``stdout_visibility: hidden``). Every string is `printable`: no raw control
    character (ESC, C1) reaches a results.json or a terminal that displays it.
    """
    tests = [_test_entry(r) for r in report.results]
    return {
        "score": round(sum(t["score"] for t in tests), 4),
        "execution_time": max(int(round(_finite(report.execution_time))), 0),
        "output": gradescope_summary(report),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def validate_gradescope(data: dict) -> list[str]:
    """Problems that would make Gradescope reject or misread `data`; empty when valid.

    Checks required keys and their types, scores within ``[0, max_score]``, the
    status and visibility vocabularies, and that the top-level score is the sum of
    the tests' scores (within 1e-6).
    """
    if not isinstance(data, dict):
        return [f"results must be a JSON object, not {type(data).__name__}"]
    problems = []
    for key, kind, ok in (
        ("score", "a finite number", _is_number),
        ("execution_time", "a non-negative integer", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0),
        ("output", "a string", lambda v: isinstance(v, str)),
        ("tests", "a list", lambda v: isinstance(v, list)),
    ):
        if key not in data:
            problems.append(f"missing key {key!r}")
        elif not ok(data[key]):
            problems.append(f"{key!r} must be {kind}, got {data[key]!r:.80}")
    for key in ("visibility", "stdout_visibility"):
        if key in data and data[key] not in GRADESCOPE_VISIBILITIES:
            problems.append(f"{key!r} must be one of {', '.join(GRADESCOPE_VISIBILITIES)}, got {data[key]!r:.80}")
    if "score" in data and _is_number(data["score"]) and data["score"] < 0:
        problems.append(f"'score' must not be negative, got {data['score']!r}")

    tests = data.get("tests")
    if not isinstance(tests, list):
        return problems
    total, sum_known = 0.0, True
    for i, t in enumerate(tests):
        where = f"tests[{i}]"
        if not isinstance(t, dict):
            problems.append(f"{where} must be an object, got {type(t).__name__}")
            sum_known = False
            continue
        for key in ("name", "score", "max_score", "status", "output", "visibility"):
            if key not in t:
                problems.append(f"{where}: missing key {key!r}")
        for key in ("name", "output", "number"):
            if key in t and not isinstance(t[key], str):
                problems.append(f"{where}: {key!r} must be a string, got {t[key]!r:.80}")
        if "name" in t and t["name"] == "":
            problems.append(f"{where}: 'name' must not be empty")
        score, max_score = t.get("score"), t.get("max_score")
        for key, value in (("score", score), ("max_score", max_score)):
            if key in t and not _is_number(value):
                problems.append(f"{where}: {key!r} must be a finite number, got {value!r:.80}")
        if _is_number(score):
            total += score
            if score < 0 or (_is_number(max_score) and score > max_score):
                problems.append(f"{where}: score {score} outside [0, {max_score}]")
        else:
            sum_known = False
        if _is_number(max_score) and max_score < 0:
            problems.append(f"{where}: max_score {max_score} is negative")
        if "status" in t and t["status"] not in GRADESCOPE_STATUSES:
            problems.append(f"{where}: status must be passed or failed, got {t['status']!r:.80}")
        if "visibility" in t and t["visibility"] not in GRADESCOPE_VISIBILITIES:
            problems.append(
                f"{where}: visibility must be one of {', '.join(GRADESCOPE_VISIBILITIES)}, got {t['visibility']!r:.80}"
            )
    score = data.get("score")
    if sum_known and _is_number(score) and not math.isclose(score, total, rel_tol=1e-12, abs_tol=1e-6):
        problems.append(f"'score' {score} is not the sum of the tests' scores ({total})")
    return problems


# ------------------------------------------------------------------------ Markdown

# Underscores inside a word cannot start emphasis (CommonMark), so week1_linear_models
# stays readable; every other inline special character is escaped wherever it appears. "#" is
# special only where it starts a heading or closes one (a run at the end of a heading), and "-",
# "+" and "1." only where they start a list item or a rule: those are escaped there alone, so that
# a hint such as "got #, expected #" (numbers normalised away) reads as it is in summary.md too.
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>&|~$]|(?<![^\W_])_|_(?![^\W_]))")
_MD_LINE_START = re.compile(r"^(?:#{1,6}(?=\s|$)|[-+](?=[\s-]|$)|\d{1,9}[.)](?=\s|$))")
_MD_CLOSING_HASHES = re.compile(r"(?:(?<= )|^)(#)(?=#*$)")


def md_inline(text: str, line_start: bool = True, heading_end: bool = False) -> str:
    """One line of text that Markdown shows literally: every inline special character escaped;
    with `line_start` (text that may begin a line, or a list item's content), also a heading,
    list or rule marker at its start; with `heading_end` (text that ends a heading line), also a
    closing run of "#" at its end."""
    text = _MD_SPECIAL.sub(r"\\\1", " ".join(printable(text).split()))
    m = _MD_LINE_START.match(text) if line_start else None
    if m:  # the marker's last character: "\\# ", "\\- ", "1\\. "
        text = text[:m.end() - 1] + "\\" + text[m.end() - 1:]
    if heading_end:
        text = _MD_CLOSING_HASHES.sub(r"\\\1", text)
    return text


def md_code(text: str, in_table: bool = False) -> str:
    """An inline code span for `text` whose delimiter no backtick run inside can close."""
    text = " ".join(printable(text).split())
    if in_table:  # GitHub splits table cells at "|" even inside code spans
        text = text.replace("|", "\\|")
    runs = [len(m) for m in re.findall(r"`+", text)]
    tick = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{tick}{pad}{text}{pad}{tick}"


def md_fence(text: str, info: str = "text") -> str:
    """A fenced code block holding `text`, fenced longer than any backtick run inside."""
    runs = [len(m) for m in re.findall(r"`+", text)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return f"{fence}{info}\n{text.rstrip(chr(10))}\n{fence}"


def _md_check(r: CheckResult) -> list[str]:
    heading = f"### {md_inline(r.name, heading_end=True)}"
    if r.visibility != PUBLIC:
        heading += " (hidden check)"
    lead = f"**{status_label(r.status)}** ({_points(r)} points)"
    output = clean_output(r.output).strip("\n")
    if not output.strip():
        return [heading, "", lead + ".", ""]
    if len(output.splitlines()) == 1:
        # On the same line as the lead, so the text cannot start a heading or a list.
        return [heading, "", f"{lead}: {md_inline(output, line_start=False)}", ""]
    return [heading, "", lead + ":", "", md_fence(output), ""]


def to_markdown(report: GradeReport) -> str:
    """Feedback for one student: total, a table of exercises, then each exercise that
    is not fully passed with its failing checks' outputs, and what to do next."""
    check_cmd = md_code(f"dlgrade check {_short_week(report.week)}")
    lines = [f"# Feedback for {md_inline(report.week, line_start=False)}: "
             f"{md_inline(report.submission, line_start=False, heading_end=True)}", ""]
    if report.mode == "check":
        lines += ["Self-check: public checks only.", ""]
    lines += [f"**{total_line(report)}**", ""]
    for note in report.notes:
        lines.append(f"- Note: {md_inline(note, line_start=False)}")
    if report.notes:
        lines.append("")

    exercises = report.exercises()
    lines += ["| Exercise | Status | Points |", "|---|---|---|"]
    lines += [f"| {md_code(ex.id, in_table=True)} | {status_label(ex.status)} | {_points(ex)} |" for ex in exercises]
    lines.append("")

    for ex in exercises:
        if _fully_passed(ex):
            continue
        lines += [f"## {md_code(ex.id)}: {status_label(ex.status)} ({_points(ex)})", ""]
        for r in ex.checks:
            if not _fully_passed(r):
                lines += _md_check(r)

    lines += ["## What to do next", ""]
    if exercises and all(_fully_passed(ex) for ex in exercises):
        lines.append(f"Every check passed. Run {check_cmd} to re-run the public checks after any change.")
    else:
        lines.append(
            f"Fix the exercises above, then run {check_cmd} on your copy of the week "
            "to re-run the public checks before you resubmit."
        )
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------- writing


def atomic_write(path: str | os.PathLike, write: Callable[[TextIO], None], binary: bool = False) -> None:
    """Write a file so that `path` holds either its old or its new complete content:
    `write` fills a temporary file in the same folder (UTF-8 text, or bytes with
    `binary`), which is synced and then replaces `path`; if anything fails, the
    temporary file is removed and `path` is untouched."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="\n")) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; results are meant to be read
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_gradescope(report: GradeReport, path: str | os.PathLike) -> None:
    """Write `to_gradescope(report)` to `path` as JSON (indent 2, UTF-8, not ASCII-escaped), atomically."""
    data = to_gradescope(report)

    def write(f: TextIO) -> None:
        json.dump(data, f, indent=2, ensure_ascii=False, allow_nan=False)
        f.write("\n")

    atomic_write(path, write)


def write_markdown(report: GradeReport, path: str | os.PathLike) -> None:
    """Write `to_markdown(report)` to `path`, atomically."""
    text = to_markdown(report)
    atomic_write(path, lambda f: f.write(text))
