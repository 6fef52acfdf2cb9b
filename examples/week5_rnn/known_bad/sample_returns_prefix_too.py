"""The prefix followed by the new ids (length + len(prefix) ids) instead of the new ids alone."""
MODULE = "char_lm"
EXERCISE = "week5.sample"
HINT = "returning the prefix too (sample returns the new ids only)"
EXERCISE_SCORE = 0


def sample(model, prefix, length, temperature, generator):
    model.eval()
    ids = torch.as_tensor(prefix, dtype=torch.long).reshape(-1).tolist()
    with torch.no_grad():
        for _ in range(length):
            logits = model(torch.tensor([ids], dtype=torch.long))[0, -1]
            probs = torch.softmax(logits.double() / temperature, dim=-1)
            ids.append(int(torch.multinomial(probs, 1, generator=generator)))
    return torch.tensor(ids, dtype=torch.long)
