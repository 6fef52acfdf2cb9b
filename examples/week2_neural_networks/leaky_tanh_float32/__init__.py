"""Week 2: a correct submission in float32 whose network uses Tanh and LeakyReLU, with a
textbook sigmoid and Dense gradients that exist only after a backward."""
