"""training.train.fit_narrative: one parallel pass over every narrative-model fit gives exactly the
out-of-fold probabilities and fitted models of fitting each target on its own."""

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


def test_one_parallel_pass_fits_what_fitting_each_target_alone_fits():
    from nlp.held_out import out_of_fold_probabilities
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
    for tool in ("CSE", "COG"):
        needed = [int(tool in a.case.screening_tools.required) for a in train]
        expected.append(out_of_fold_probabilities(NarrativeToolClassifier(), texts, needed, CV_FOLDS, groups=authors(train))[:, 1:])
    assert np.allclose(np.stack([a.narrative for a in train]), np.hstack(expected), atol=1e-12)

    alone = NarrativeClassifier().fit(texts, levels)
    dev_texts = [a.case.text for a in analysed["dev"]]
    assert np.allclose(reader.level.predict_proba(dev_texts), alone.predict_proba(dev_texts), atol=1e-12)
    assert set(reader.tools) == {"CSE", "COG"}
    assert steps[0] == sum(steps[1:]) == 3 * (CV_FOLDS + 1)  # every fit advances the display once
