"""Ids drawn from softmax(logits) whatever the temperature."""
MODULE = "char_lm"
EXERCISE = "week5.sample"
HINT = "ignoring the temperature (drawing from softmax(logits) whatever the temperature)"
EXERCISE_SCORE = 4


def sample(model, prefix, length, temperature, generator):
    model.eval()
    ids = torch.as_tensor(prefix, dtype=torch.long).reshape(-1).tolist()
    drawn = []
    with torch.no_grad():
        for _ in range(length):
            logits = model(torch.tensor([ids], dtype=torch.long))[0, -1]
            next_id = int(torch.multinomial(torch.softmax(logits.double(), dim=-1), 1, generator=generator))
            ids.append(next_id)
            drawn.append(next_id)
    return torch.tensor(drawn, dtype=torch.long)
