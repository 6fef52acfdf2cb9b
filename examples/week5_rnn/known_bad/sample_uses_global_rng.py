"""Ids drawn from torch's global random generator (torch.multinomial without generator=generator)."""
MODULE = "char_lm"
EXERCISE = "week5.sample"
HINT = "drawing from torch's global random generator instead of the generator argument"
EXERCISE_SCORE = 6


def sample(model, prefix, length, temperature, generator):
    model.eval()
    ids = torch.as_tensor(prefix, dtype=torch.long).reshape(-1).tolist()
    drawn = []
    with torch.no_grad():
        for _ in range(length):
            logits = model(torch.tensor([ids], dtype=torch.long))[0, -1]
            next_id = int(torch.multinomial(torch.softmax(logits.double() / temperature, dim=-1), 1))
            ids.append(next_id)
            drawn.append(next_id)
    return torch.tensor(drawn, dtype=torch.long)
