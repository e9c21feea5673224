import pytest

from benchmarks.pipeline_bench import paired_ratio


def test_batch_ratio_pairs_each_round_and_takes_the_median():
    # round 2 ran while the machine was slow for both sides: pairing keeps its ratio honest
    floor = [10.0, 20.0, 10.0]
    pipeline = [12.5, 25.0, 20.0]  # ratios 0.8, 0.8, 0.5
    assert paired_ratio(floor, pipeline) == pytest.approx(0.8)
    # unpaired medians would have said 10 / 20 = 0.5
    assert paired_ratio([10.0], [20.0]) == pytest.approx(0.5)


def test_batch_ratio_needs_as_many_pipeline_as_encoder_rounds():
    with pytest.raises(ValueError):
        paired_ratio([1.0, 2.0], [1.0])
