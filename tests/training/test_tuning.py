from training.tuning import LEVEL4_RECALL_TARGET, selection_key


def _metrics(severe, recall, kappa):
    return {"severe_under_calls": severe, "level4_recall": recall, "quadratic_weighted_kappa": kappa}


def test_settings_are_ranked_safety_first():
    safest = _metrics(0, 0.95, 0.60)
    assert selection_key(safest) > selection_key(_metrics(1, 1.00, 0.90))  # a severe under-call outweighs all
    assert selection_key(_metrics(0, 0.97, 0.60)) > selection_key(_metrics(0, 0.95, 0.90))  # then level-4 recall


def test_level4_recall_beyond_the_target_is_not_bought_with_agreement():
    at_target = _metrics(0, LEVEL4_RECALL_TARGET, 0.80)
    beyond = _metrics(0, 1.0, 0.70)
    assert selection_key(at_target) > selection_key(beyond)
