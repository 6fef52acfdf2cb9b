"""Week 1: linear models and optimization (reference solutions)."""
