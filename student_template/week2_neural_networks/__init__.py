"""Week 2: neural networks from scratch (perceptron, layers, losses, an MLP)."""
