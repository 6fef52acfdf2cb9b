"""Edited test cells: every autograder cell's source is replaced by a line that shows the
exercise's full points (this cell itself does nothing)."""
GRADE_CELLS = "edit"  # source becomes `<points>`, the cell's points from its metadata
CLAIMS_POINTS = True
