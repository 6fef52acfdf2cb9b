"""Where the course lives and how weeks are named (grader.course): released weeks."""

import pytest

from grader.course import CourseError, Week, available_weeks, resolve_week

from conftest import ROOT


def make_course(tmp_path, released=("week1_linear_models", "week7_transformers"), unreleased=("week4_autoencoders",)):
    src = (ROOT / "assignments" / "week1_linear_models" / "rubric.toml").read_text()
    for name in released:
        (tmp_path / "assignments" / name).mkdir(parents=True)
        (tmp_path / "assignments" / name / "rubric.toml").write_text(src)
    for name in unreleased:
        (tmp_path / "assignments" / name).mkdir(parents=True)
    (tmp_path / "assignments" / "notes").mkdir()
    return tmp_path


def test_available_weeks_are_those_with_a_rubric_in_week_order(tmp_path):
    """Are the released weeks the assignments/ folders with a rubric, sorted by week number?"""
    course = make_course(tmp_path, released=("week10_extra", "week2_neural_networks", "week1_linear_models"))
    assert available_weeks(course) == ["week1_linear_models", "week2_neural_networks", "week10_extra"]
    assert available_weeks(ROOT) == ["week1_linear_models", "week2_neural_networks", "week3_cnn", "week4_autoencoders",
                                     "week5_rnn", "week6_captioning"]
    assert available_weeks(tmp_path / "nowhere") == []


def test_unreleased_week_says_which_are_available(tmp_path):
    """Does loading a week of the course that has no rubric here name the available weeks?"""
    course = make_course(tmp_path)
    with pytest.raises(CourseError, match=r"week4_autoencoders is not released .*\(available: week1, week7\)"):
        Week.load("week4", course)
    with pytest.raises(CourseError, match=r"week5_rnn is not released .*\(available: week1, week7\)"):
        Week.load("week5_rnn", course)


def test_unknown_week_lists_the_available_ones(tmp_path):
    """Does an unknown week name list the weeks the course has released, not every week the kit knows?"""
    course = make_course(tmp_path)
    with pytest.raises(CourseError, match=r"unknown week 'week9'; expected one of week1, week7$"):
        Week.load("week9", course)
    with pytest.raises(CourseError, match="expected one of week1, week2, week3, week4, week5, week6"):
        resolve_week("week9")


def test_a_week_the_kit_does_not_know_by_name_loads_when_released(tmp_path):
    """Can a course add a week (assignments/week7_…/rubric.toml) without touching the engine?"""
    course = make_course(tmp_path)
    assert Week.load("week7", course).name == "week7_transformers"
    assert Week.load("week7_transformers/", course).name == "week7_transformers"
