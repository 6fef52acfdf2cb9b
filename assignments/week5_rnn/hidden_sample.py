"""Hidden checks for char_lm.py's sample: another model (an order-3 chain over 4 ids, so that a
sampler must feed the model more than the last two ids), prefixes given as 1-D LongTensors,
temperature 0.7, and the argmax at temperature 1e-4."""

from grader.registry import check

from .public_sample import TOL, Bench, TableModel, assert_greedy, assert_transitions

HIDDEN = dict(vocab=4, order=3, seed=950, scale=1.2)


@check("week5.sample", points=1)
def next_ids_follow_an_order_3_context_from_tensor_prefixes(sub, ref):
    """Check that with prefixes given as 1-D LongTensors and an order-3 model, every next id in samples of 300 ids follows softmax(logits / 0.7) given the three ids before it."""
    length = TOL["sample_length"]
    assert_transitions(Bench(sub, TableModel(**HIDDEN)), ((3, 1, 2), (0, 2), (1, 1, 0, 3, 2), (2,)), length, 0.7,
                       seed=960, what=f"sample(model, prefix as a tensor, length={length}, temperature=0.7, generator)")


@check("week5.sample", points=1)
def tiny_temperature_gives_the_argmax_from_tensor_prefixes(sub, ref):
    """Check that at temperature 1e-4, with prefixes given as 1-D LongTensors and an order-3 model, sample returns exactly the greedy continuation (of 40 ids and of 1 id)."""
    bench = Bench(sub, TableModel(**HIDDEN))
    temperature = TOL["tiny_temperature"] / 10
    assert_greedy(bench, ((2, 0, 1), (3,)), 40, temperature, seed=970)
    assert_greedy(bench, ((1, 3, 3, 0),), 1, temperature, seed=972)
