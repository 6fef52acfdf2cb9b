"""The decoder reads the caption both ways (a bidirectional GRU over captions_in): with teacher
forcing, the logits at position t see the word they must predict, so the training loss falls to
nearly 0, while generate, which has no later words, writes poor captions; and generate is not
the greedy decoding of forward."""
MODULE = "captioning"
EXERCISE = "week6.quality"
HINT = "change when later words of captions_in change"
EXERCISE_SCORE = 0
ALSO_COSTS = ["week6.captioner"]  # forward sees words generate did not have: generate is not its greedy decoding


class BothWays(Captioner):
    def __init__(self, vocab_size):
        super().__init__(vocab_size)
        self.gru = nn.GRU(32 + 128, 64, batch_first=True, bidirectional=True)

    def _decode(self, features, words, h=None):
        steps = features.unsqueeze(1).expand(-1, words.shape[1], -1)
        out, _ = self.gru(torch.cat([self.embed(words), steps], dim=-1))
        return self.out(out), None

    @torch.no_grad()
    def generate(self, images, max_len):
        features = self.encoder(images)
        words = torch.full((images.shape[0], 1), START, dtype=torch.long, device=images.device)
        for _ in range(max_len):
            logits, _ = self._decode(features, words)
            words = torch.cat([words, logits[:, -1:].argmax(-1)], dim=1)
            if bool((words == END).any(dim=1).all()):
                break
        return words[:, 1:]


def build_captioner(vocab_size):
    return BothWays(vocab_size)
