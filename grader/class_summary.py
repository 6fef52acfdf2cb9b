"""What a cohort's results add up to: each student's grading.json (`student_meta`), and the
class files rebuilt from them at the end of every run (`write_class_files`): ``gradebook.csv``,
``summary.md``, ``summary.json`` and ``histogram.png``. Every student-controlled string is
escaped where it is shown, and what went wrong in an exercise is told in a few words
(`exercise_hint`) so that messages differing only in numbers group together.
"""

from __future__ import annotations

import csv
import io
import re
import statistics
from collections import Counter
from pathlib import Path

from .course import Week
from .report import atomic_write, format_points, md_code, md_inline, printable, to_gradescope
from .scoring import ERROR, NOT_IMPLEMENTED, PASSED, TIMEOUT, GradeReport
from .store import (GRADEBOOK, HISTOGRAM, META_FORMAT, SUMMARY_JSON, SUMMARY_MD, _fsync_dir, write_json)

NOT_ISOLATED = "rlimits only"
_EXCEPTION = re.compile(r"\braised (?P<type>[A-Za-z_][\w.]*)(?=:|$)")
_NUMBER = re.compile(r"(?<![\w.])[-+−]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+−]?\d+)?(?![\w.])")
HINT_WIDTH = 120


def _clip(text: str) -> str:
    text = " ".join(printable(text).split())
    return text if len(text) <= HINT_WIDTH else text[: HINT_WIDTH - 1] + "…"


def normalise(line: str) -> str:
    """`line` with every number replaced by "#", whitespace collapsed and cut to
    `HINT_WIDTH`, so that messages differing only in values group together."""
    return _clip(_NUMBER.sub("#", line))


def check_hint(status: str, output: str, mistake: str = "") -> str:
    """What went wrong in one check that did not pass, in a few words: the known
    mistake it was recognised as (`CheckResult.mistake`), else the status for stubs,
    timeouts and exceptions ("not implemented yet", "timed out", "raised NameError"),
    else the first line of its output with the numbers normalised away."""
    output = output or ""
    if mistake:
        return _clip(mistake)
    if status == NOT_IMPLEMENTED:
        return "not implemented yet"
    if status == TIMEOUT:
        return "timed out"
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    first = lines[0] if lines else ""
    if status == ERROR:
        m = _EXCEPTION.search(first.replace("raised an exception: ", "raised "))
        if m:
            return f"raised {m.group('type')}"
    return normalise(first) if first else status


def exercise_hint(checks: list) -> str:
    """The hint of an exercise that lost points: the first known mistake named by any
    of its checks, else the hint of its first check that did not fully pass."""
    lost = [c for c in checks if not (c.status == PASSED and c.score >= c.max_score)]
    hints = [check_hint(c.status, c.output, c.mistake) for c in lost]
    named = [h for c, h in zip(lost, hints) if c.mistake]
    return (named or hints or [""])[0]


def student_meta(report: GradeReport, fp: str, flags: list[str] = ()) -> dict:
    """What `grading.json` holds: the fingerprint and what the class summary needs. Scores
    are those of results.json (each test rounded to 4 decimals, then added up). `flags` are
    for the instructor only (`grader.provenance`); the student's files never show them."""
    gradescope = to_gradescope(report)
    points: dict[str, float] = {}
    for t in gradescope["tests"]:
        points[t["number"]] = points.get(t["number"], 0.0) + t["score"]
    return {
        "format": META_FORMAT, "student": report.submission, "week": report.week, "fingerprint": fp,
        "score": gradescope["score"], "max_score": round(report.max_score, 4),
        "isolation": getattr(report, "isolation", "") or "", "notes": list(report.notes), "flags": list(flags),
        "instructor_notes": list(report.instructor_notes),  # grading.json and gradebook.csv are the instructor's
        "exercises": [{"id": ex.id, "score": round(points.get(ex.id, 0.0), 4), "max_score": round(ex.max_score, 4),
                       "status": ex.status,
                       "hint": "" if ex.status == PASSED and ex.score >= ex.max_score else exercise_hint(ex.checks)}
                      for ex in report.exercises()],
    }


def class_summary(week: str, metas: list[dict], not_graded: dict[str, str], refused: list[tuple[str, str]],
                  notes: list[str] = ()) -> dict:
    """The class summary (summary.json) from the graded students' grading.json files:
    score statistics, per exercise how many lost points and the most common hints,
    the isolation student code ran under, who was flagged (`grader.provenance`), who was
    not graded or refused, and `notes` about the run."""
    scores = [m["score"] for m in metas]
    max_score = max((m["max_score"] for m in metas), default=0.0)
    order: list[str] = []
    for m in metas:
        order += [e["id"] for e in m["exercises"] if e["id"] not in order]
    exercises = []
    for ex in order:
        rows = [e for m in metas for e in m["exercises"] if e["id"] == ex]
        lost = [e for e in rows if e["score"] < e["max_score"]]
        hints = Counter(e["hint"] for e in lost)
        ranked = sorted(hints.items(), key=lambda kv: (-kv[1], kv[0]))
        exercises.append({
            "id": ex, "max_score": max(e["max_score"] for e in rows), "graded": len(rows), "failed": len(lost),
            "failed_percent": round(100 * len(lost) / len(rows)) if rows else 0,
            "mean_score": round(statistics.fmean(e["score"] for e in rows), 4) if rows else 0.0,
            "hints": [{"hint": h, "count": n} for h, n in ranked[:5]],
        })
    isolation = Counter(m.get("isolation") or "unknown" for m in metas)
    return {
        "week": week, "graded": len(metas), "max_score": max_score,
        "mean": round(statistics.fmean(scores), 4) if scores else None,
        "median": round(statistics.median(scores), 4) if scores else None,
        "min": min(scores, default=None), "max": max(scores, default=None),
        "full_marks": sum(1 for m in metas if m["score"] >= m["max_score"] > 0),
        "isolation": dict(sorted(isolation.items())),
        "not_isolated": sorted(m["student"] for m in metas if m.get("isolation") == NOT_ISOLATED),
        "exercises": exercises,
        "not_graded": [{"student": s, "why": not_graded[s]} for s in sorted(not_graded)],
        "refused": [{"name": n, "why": why} for n, why in refused],
        "flagged": [{"student": m["student"], "flags": list(m["flags"])}
                    for m in sorted(metas, key=lambda m: m["student"]) if m.get("flags")],
        "notes": list(notes),
    }


def exercise_line(ex: dict) -> str:
    """ "31% failed week1.adam; most common: Adam without bias correction" """
    line = f"{ex['failed_percent']}% failed {ex['id']}"
    if ex["hints"]:
        line += f"; most common: {ex['hints'][0]['hint']}"
    return line


def isolation_warning(summary: dict) -> str:
    n = len(summary["not_isolated"])
    if not n:
        return ""
    return (f"{n} of {summary['graded']} submissions were graded with rlimits only: their code was NOT isolated "
            "from the file system (it could read and write whatever the grading user can, other students' "
            "results included). Install bubblewrap (bwrap) and regrade them.")


def summary_markdown(summary: dict) -> str:
    """summary.md: the class at a glance, every student-controlled string escaped."""
    out = [f"# {md_inline(summary['week'])}: class summary", ""]
    if summary["not_isolated"]:
        out += [f"> **Warning: {md_inline(isolation_warning(summary))}**", ""]
    n = summary["graded"]
    counts = f"{n} submission{'s' if n != 1 else ''} graded"
    if summary["not_graded"]:
        counts += f", {len(summary['not_graded'])} could not be graded (re-run to retry)"
    if summary["refused"]:
        counts += f", {len(summary['refused'])} refused"
    out += [counts + ".", ""]
    if n:
        out += [f"Scores out of {format_points(summary['max_score'])}: mean {format_points(summary['mean'])}, "
                f"median {format_points(summary['median'])}, lowest {format_points(summary['min'])}, "
                f"highest {format_points(summary['max'])}; {summary['full_marks']} with full marks.", "",
                f"![Histogram of the scores]({HISTOGRAM})", "", "## Exercises", ""]
        for ex in summary["exercises"]:
            line = f"- {md_inline(exercise_line(ex))}"
            if ex["hints"]:
                line += f" ({ex['hints'][0]['count']} of {ex['failed']})"
            if len(ex["hints"]) > 1:
                line += "; then: " + ", ".join(f"{md_inline(h['hint'], line_start=False)} ({h['count']})"
                                                 for h in ex["hints"][1:3])  # mid-line: "# of # wrong" stays as is
            out.append(line)
        out.append("")
        isolation = ", ".join(f"{md_inline(k)}: {v}" for k, v in summary["isolation"].items())
        out += [f"Isolation of student code: {isolation}.", ""]
    if summary["not_graded"]:
        out += ["## Could not be graded", ""]
        out += [f"- {md_code(r['student'])}: {md_inline(r['why'])}" for r in summary["not_graded"]] + [""]
    if summary["refused"]:
        out += ["## Refused", ""]
        out += [f"- {md_code(r['name'])}: {md_inline(r['why'])}" for r in summary["refused"]] + [""]
    if summary.get("flagged"):
        out += ["## Flagged: look before publishing", "",
                "Submissions that may hold someone else's work (links, other owners, copies of the reference). "
                "The students do not see these lines.", ""]
        out += [f"- {md_code(f['student'])}: {md_inline(flag)}" for f in summary["flagged"] for flag in f["flags"]]
        out.append("")
    if summary.get("notes"):
        out += ["## Notes", ""] + [f"- {md_inline(n)}" for n in summary["notes"]] + [""]
    return "\n".join(out)


def gradebook_csv(metas: list[dict], not_graded: dict[str, str], exercises: list[str]) -> str:
    """gradebook.csv: one row per student, sorted by id, with the points of each exercise."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student", "score", "max_score", *exercises, "status", "notes"])
    rows = {m["student"]: m for m in metas}
    for student in sorted([*rows, *not_graded]):
        if student in rows:
            m = rows[student]
            points = {e["id"]: format_points(e["score"]) for e in m["exercises"]}
            notes = "; ".join(" ".join(printable(n).split())
                              for n in [*m["notes"], *m.get("instructor_notes", []),
                                        *(f"FLAGGED: {f}" for f in m.get("flags", ()))])
            w.writerow([student, format_points(m["score"]), format_points(m["max_score"]),
                        *(points.get(e, "") for e in exercises), "graded", notes])
        else:
            w.writerow([student, "", "", *("" for _ in exercises), "not graded", not_graded[student]])
    return buf.getvalue()


def histogram_png(scores: list[float], max_score: float, title: str) -> bytes:
    """A PNG histogram of `scores` on [0, max_score] (matplotlib's Agg backend)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    top = max(max_score, max(scores, default=0.0), 1.0)
    bins = min(20, max(1, int(round(top))))
    ax.hist(scores, bins=bins, range=(0, top), color="#4c72b0", edgecolor="white")
    ax.set_xlim(0, top)
    ax.set_xlabel(f"score (out of {format_points(max_score)})")
    ax.set_ylabel("students")
    ax.set_title(title)
    ax.yaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def write_class_files(results_dir: Path, week: Week, metas: list[dict], not_graded: dict[str, str],
                      refused: list[tuple[str, str]], notes: list[str] = ()) -> dict:
    """Rebuild gradebook.csv, summary.md, summary.json and histogram.png; returns the summary."""
    summary = class_summary(week.name, metas, not_graded, refused, notes)
    exercises = [e["id"] for e in summary["exercises"]] or list(week.exercise_modules)
    atomic_write(results_dir / GRADEBOOK, lambda f: f.write(gradebook_csv(metas, not_graded, exercises)))
    write_json(results_dir / SUMMARY_JSON, summary)
    atomic_write(results_dir / SUMMARY_MD, lambda f: f.write(summary_markdown(summary)))
    png = histogram_png([m["score"] for m in metas], summary["max_score"],
                        f"{week.name}: scores of {len(metas)} submissions")
    atomic_write(results_dir / HISTOGRAM, lambda f: f.write(png), binary=True)
    _fsync_dir(results_dir)
    return summary

