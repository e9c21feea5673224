"""The challenge set (annotations/challenge/): hard referrals by six authors the models never
read, kept out of the training corpus and used for evaluation only."""

from collections import Counter
from pathlib import Path

from nlp.catalogue import load_catalogue
from training.dataset import load_corpus
from training.review import agreement, read_review

REPO = Path(__file__).resolve().parents[2]
CHALLENGE = REPO / "annotations" / "challenge"


def test_the_challenge_set_validates_and_is_not_part_of_the_training_corpus():
    catalogue_ids = {e.id for e in load_catalogue()}
    challenge = load_corpus(CHALLENGE, catalogue_ids).cases  # raises on any problem, with its line
    corpus_ids = {c.id for c in load_corpus(REPO / "annotations", catalogue_ids).cases}
    assert len(challenge) == 120
    assert not corpus_ids & {c.id for c in challenge}  # training never reads them
    assert {c.split for c in challenge} == {"test"}  # evaluation only
    assert Counter(c.level for c in challenge) == {1: 30, 2: 24, 3: 30, 4: 36}
    assert len({c.annotator for c in challenge}) == 6


def test_the_challenge_sets_blind_review_reads_cleanly_and_agrees_on_every_level_4_case():
    cases = load_corpus(CHALLENGE).cases
    (path,) = sorted((CHALLENGE / "second_review").glob("*.jsonl"))
    lines, problems = read_review(path, {c.id for c in cases})
    assert problems == []
    report = agreement(list(cases), lines)
    assert report["n"] == len(lines) == 53
    gold = {c.id: c.level for c in cases}
    reviewed_level4 = {line.id for line in lines if gold[line.id] == 4}
    assert reviewed_level4 == {c.id for c in cases if c.level == 4}  # every level-4 case was reviewed
    assert all(line.level == 4 for line in lines if line.id in reviewed_level4)
