"""Greedy decoding: the argmax of the logits at every step, whatever the temperature (nothing is drawn)."""
MODULE = "char_lm"
EXERCISE = "week5.sample"
HINT = "taking the argmax at every step instead of drawing from the distribution"
EXERCISE_SCORE = 3


def sample(model, prefix, length, temperature, generator):
    model.eval()
    ids = torch.as_tensor(prefix, dtype=torch.long).reshape(-1).tolist()
    drawn = []
    with torch.no_grad():
        for _ in range(length):
            logits = model(torch.tensor([ids], dtype=torch.long))[0, -1]
            next_id = int(torch.argmax(logits))
            ids.append(next_id)
            drawn.append(next_id)
    return torch.tensor(drawn, dtype=torch.long)
