"""Week 6: the final project, image captioning (a vocabulary, BLEU, and a captioner that a CNN encodes and a recurrent decoder writes)."""
