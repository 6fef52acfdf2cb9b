"""Week 5: deep learning for sequences (RNN and LSTM through time, embeddings, attention, a character language model)."""
