"""The model sees only the last id at each step (model(last_id)), not the prefix and every id drawn so far."""
MODULE = "char_lm"
EXERCISE = "week5.sample"
HINT = "feeding the model only the last id instead of the prefix and every id drawn so far"
EXERCISE_SCORE = 2


def sample(model, prefix, length, temperature, generator):
    model.eval()
    last = int(torch.as_tensor(prefix, dtype=torch.long).reshape(-1)[-1])
    drawn = []
    with torch.no_grad():
        for _ in range(length):
            logits = model(torch.tensor([[last]], dtype=torch.long))[0, -1]
            probs = torch.softmax(logits.double() / temperature, dim=-1)
            last = int(torch.multinomial(probs, 1, generator=generator))
            drawn.append(last)
    return torch.tensor(drawn, dtype=torch.long)
