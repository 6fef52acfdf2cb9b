"""A convolutional language model whose convolutions are padded on both sides, so that the
logits at position t read the id at t + 1, the very character they are asked to predict.
Trained with later ids in view, it learns to copy them; judged causally, it cannot."""
MODULE = "char_lm"
EXERCISE = "week5.char_lm"
HINT = "later characters"
EXERCISE_SCORE = 1


class CharConv(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, 32)
        self.conv1 = nn.Conv1d(32, 128, 3, padding=1)
        self.conv2 = nn.Conv1d(128, 128, 3, padding=1)
        self.out = nn.Linear(128, vocab_size)

    def forward(self, ids):
        h = self.embed(ids).transpose(1, 2)
        h = torch.relu(self.conv2(torch.relu(self.conv1(h))))
        return self.out(h.transpose(1, 2))


def build_char_lm(vocab_size):
    return CharConv(vocab_size)
