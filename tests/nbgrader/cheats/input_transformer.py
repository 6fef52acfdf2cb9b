"""Input transformer: IPython rewrites the source of every later cell before running it,
so each autograder cell becomes empty, runs without error and shows no result, which
nbgrader scores as full marks."""
GRADE_CELLS = "keep"  # the autograder cells stay as released
CLAIMS_POINTS = True  # the student's own run saves autograder cells that ran clean (nbgrader: full marks)


def _skip_grading(lines):
    return [] if any("grade_exercise" in line for line in lines) else lines


get_ipython().input_transformers_cleanup.append(_skip_grading)  # noqa: F821
