"""softmax(logits · temperature) instead of softmax(logits / temperature): hotter is sharper, colder is flatter."""
MODULE = "char_lm"
EXERCISE = "week5.sample"
HINT = "multiplying the logits by the temperature instead of dividing by it"
EXERCISE_SCORE = 4


def sample(model, prefix, length, temperature, generator):
    model.eval()
    ids = torch.as_tensor(prefix, dtype=torch.long).reshape(-1).tolist()
    drawn = []
    with torch.no_grad():
        for _ in range(length):
            logits = model(torch.tensor([ids], dtype=torch.long))[0, -1]
            probs = torch.softmax(logits.double() * temperature, dim=-1)
            next_id = int(torch.multinomial(probs, 1, generator=generator))
            ids.append(next_id)
            drawn.append(next_id)
    return torch.tensor(drawn, dtype=torch.long)
