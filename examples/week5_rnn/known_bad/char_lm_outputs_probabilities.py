"""The model ends in a softmax and returns probabilities where logits are expected: the
grader's cross-entropy applies its own softmax to values in [0, 1], which can hardly tell the
characters apart, so training stalls far above the threshold."""
MODULE = "char_lm"
EXERCISE = "week5.char_lm"
HINT = "returning probabilities (a final softmax)"
EXERCISE_SCORE = 2


class SoftmaxLSTM(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, 32)
        self.lstm = nn.LSTM(32, 128, batch_first=True)
        self.out = nn.Linear(128, vocab_size)

    def forward(self, ids):
        h, _ = self.lstm(self.embed(ids))
        return torch.softmax(self.out(h), dim=-1)


def build_char_lm(vocab_size):
    return SoftmaxLSTM(vocab_size)
