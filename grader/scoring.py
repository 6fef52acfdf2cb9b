"""Check results and how they add up: every check ends as one record, and anything
that is not a clean pass scores zero (deny by default)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

PASSED = "passed"
FAILED = "failed"
ERROR = "error"
TIMEOUT = "timeout"
NOT_IMPLEMENTED = "not implemented"
STATUSES = (PASSED, FAILED, ERROR, TIMEOUT, NOT_IMPLEMENTED)

PUBLIC = "public"
HIDDEN = "hidden"


@dataclass
class CheckResult:
    """One graded check.

    `id` is the exercise id (``week1.adam``); `name` is the check's one-line
    description ("matches torch.optim.Adam over 50 steps"); `score` is in
    ``[0, max_score]`` and is 0 unless `status` is passed (or failed with
    partial credit); `output` is the feedback a student can act on.
    """

    id: str
    name: str
    status: str
    score: float
    max_score: float
    output: str = ""
    visibility: str = PUBLIC
    seconds: float = 0.0
    mistake: str = ""  # the known mistake the failure was recognised as ("" when none)

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")
        if self.status in (ERROR, TIMEOUT, NOT_IMPLEMENTED) or not math.isfinite(self.score):
            self.score = 0.0  # deny by default: a NaN score is no score
        self.score = float(min(max(self.score, 0.0), self.max_score))

    @property
    def title(self) -> str:
        """The name shown in reports: the exercise id, then the check's description."""
        return f"{self.id}: {self.name}"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class ExerciseSummary:
    """The checks of one exercise, added up."""

    id: str
    score: float
    max_score: float
    status: str
    checks: list = field(default_factory=list)


def exercise_status(statuses: list[str]) -> str:
    """The status shown for an exercise: passed only if every check passed;
    otherwise the most telling failure (not implemented > timeout > error > failed)."""
    for status in (NOT_IMPLEMENTED, TIMEOUT, ERROR, FAILED):
        if status in statuses:
            return status
    return PASSED if statuses else NOT_IMPLEMENTED


def summarize(results: list[CheckResult]) -> list[ExerciseSummary]:
    """Group results by exercise id, in the order the exercises first appear."""
    order: dict[str, list[CheckResult]] = {}
    for r in results:
        order.setdefault(r.id, []).append(r)
    return [
        ExerciseSummary(
            id=ex,
            score=sum(r.score for r in rs),
            max_score=sum(r.max_score for r in rs),
            status=exercise_status([r.status for r in rs]),
            checks=rs,
        )
        for ex, rs in order.items()
    ]


@dataclass
class GradeReport:
    """Everything one grading run produced for one submission."""

    week: str
    submission: str
    results: list[CheckResult]
    execution_time: float = 0.0
    mode: str = "grade"  # "grade" (all checks) or "check" (public checks only)
    notes: list[str] = field(default_factory=list)  # for the student (a missing file, ...)
    # For the instructor only (student code was not isolated, it killed the sandbox): the terminal
    # and the instructor's files show them, results.json and feedback.md never do.
    instructor_notes: list[str] = field(default_factory=list)
    isolation: str = ""  # how student code was confined: "bubblewrap" or "rlimits only"

    @property
    def score(self) -> float:
        return sum(r.score for r in self.results)

    @property
    def max_score(self) -> float:
        return sum(r.max_score for r in self.results)

    @property
    def public_results(self) -> list[CheckResult]:
        return [r for r in self.results if r.visibility == PUBLIC]

    def exercises(self) -> list[ExerciseSummary]:
        return summarize(self.results)

    def to_dict(self) -> dict:
        """Plain data (JSON), which `from_dict` reads back into an equal report."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "GradeReport":
        data = dict(data)
        data["results"] = [CheckResult(**r) for r in data.get("results", [])]
        return cls(**data)
