"""Week 2: a second correct implementation, written independently of the reference."""
