"""Deleted test cells: every autograder cell is removed from the notebook (this cell
itself does nothing), so no test runs at all."""
GRADE_CELLS = "delete"
CLAIMS_POINTS = False
