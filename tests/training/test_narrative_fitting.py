"""training.train.fit_narrative: one parallel pass, one n-gram vocabulary per fold for every target,
gives exactly the out-of-fold probabilities and fitted models of fitting each target on its own
on the level model's folds."""

from types import SimpleNamespace

import numpy as np

WORDS = {
    1: "thriving settled happy attends nursery regularly well supported",
    2: "struggling routines tired late arrears low mood early help",
    3: "neglect unkempt missed appointments chaotic drinking shouting",
    4: "bruise injury disclosed hit strangled unexplained fracture",
}


def _items(n, seed):
    rng = np.random.default_rng(seed)
    items = []
    for k in range(n):
        level = 1 + k % 4
        words = rng.choice(WORDS[level].split(), 5).tolist() + rng.choice(WORDS[1 + (k + 1) % 4].split(), 2).tolist()
        cse, cog = k % 5 == 0, k % 7 == 0
        text = " ".join(words + (["older boyfriend gifts"] if cse else []) + (["county lines knife"] if cog else []))
        items.append(SimpleNamespace(
            case=SimpleNamespace(
                text=text, level=level, annotator=f"author-{k % 6}",
                screening_tools=SimpleNamespace(required=(["CSE"] if cse else []) + (["COG"] if cog else [])),
            ),
            narrative=None,
        ))
    return items


def _out_of_fold_on(splits, model, texts, y):
    from sklearn.base import clone

    y = np.asarray(y)
    out = None
    for fit_rows, held_rows in splits:
        held = clone(model).fit([texts[i] for i in fit_rows], y[fit_rows]).predict_proba([texts[i] for i in held_rows])
        out = np.zeros((len(texts), held.shape[1])) if out is None else out
        out[held_rows] = held
    return out


def test_one_parallel_pass_fits_what_fitting_each_target_alone_on_the_level_folds_fits():
    from nlp.held_out import fold_splits, out_of_fold_probabilities
    from nlp.narrative_model import NarrativeClassifier, NarrativeToolClassifier
    from training.train import fit_narrative
    from training.tuning import CV_FOLDS, authors

    analysed = {"train": _items(72, 0), "dev": _items(16, 1), "test": []}
    steps = []

    def progress(stage, total):
        steps.append(total)
        return steps.append

    reader = fit_narrative(analysed, progress)

    train = analysed["train"]
    texts = [a.case.text for a in train]
    levels = [a.case.level for a in train]
    expected = [out_of_fold_probabilities(NarrativeClassifier(), texts, levels, CV_FOLDS, groups=authors(train))]
    level_folds = fold_splits(levels, CV_FOLDS, groups=authors(train))
    for tool in ("CSE", "COG"):
        needed = [int(tool in a.case.screening_tools.required) for a in train]
        expected.append(_out_of_fold_on(level_folds, NarrativeToolClassifier(), texts, needed)[:, 1:])
    assert np.allclose(np.stack([a.narrative for a in train]), np.hstack(expected), atol=1e-12)

    dev_texts = [a.case.text for a in analysed["dev"]]
    alone = NarrativeClassifier().fit(texts, levels)
    assert np.allclose(reader.level.predict_proba(dev_texts), alone.predict_proba(dev_texts), atol=1e-12)
    cse_alone = NarrativeToolClassifier().fit(texts, [int("CSE" in a.case.screening_tools.required) for a in train])
    assert np.allclose(reader.tools["CSE"].predict_proba(dev_texts), cse_alone.predict_proba(dev_texts), atol=1e-12)
    assert set(reader.tools) == {"CSE", "COG"}
    assert reader.tools["CSE"].model_[0] is reader.level.model_[0]  # one vocabulary, read once per batch
    assert steps[0] == sum(steps[1:]) == CV_FOLDS + 1  # every fold and the final fit advance the display once


def test_a_tool_some_fold_never_sees_is_not_modelled():
    from training.train import fit_narrative

    items = _items(72, 0)
    for k, item in enumerate(items):  # COG in one author's cases only: that author's fold never learns it
        item.case.screening_tools.required = [t for t in item.case.screening_tools.required if t != "COG"]
        if item.case.annotator == "author-0" and k % 3 == 0:
            item.case.screening_tools.required.append("COG")
    reader = fit_narrative({"train": items, "dev": _items(8, 1), "test": []}, lambda stage, total: (lambda n: None))
    assert set(reader.tools) == {"CSE"}
    assert all(item.narrative[5] == 0.0 for item in items)  # the COG column stays empty
