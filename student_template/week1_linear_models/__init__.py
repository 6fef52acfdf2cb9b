"""Week 1: linear models and optimization (regression, classification, optimizers, training)."""
