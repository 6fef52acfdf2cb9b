"""generate squeezes its result, so a batch of one image comes back as a 1-D row of ids instead
of shape (1, L)."""
MODULE = "captioning"
EXERCISE = "week6.captioner"
HINT = "expected ids of shape (N, L)"
EXERCISE_SCORE = 4


class Squeezing(Captioner):
    def generate(self, images, max_len):
        return super().generate(images, max_len).squeeze()


def build_captioner(vocab_size):
    return Squeezing(vocab_size)
