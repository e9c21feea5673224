"""What a running service holds: settings, database sessions, the pipeline, metrics."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from nlp.catalogue import Catalogue
from nlp.pipeline import NarrativeError, ThresholdAssist
from nlp.suggestion import Suggestion
from service.metrics import ServiceMetrics
from service.settings import ServiceSettings


class PipelineUnavailable(RuntimeError):
    """The pipeline failed; nothing was stored and the client may retry."""


@dataclass
class ServiceContext:
    settings: ServiceSettings
    engine: Engine
    sessions: sessionmaker
    pipeline: ThresholdAssist
    metrics: ServiceMetrics
    _pipeline_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def catalogue(self) -> Catalogue:
        return self.pipeline.catalogue

    def suggest(self, narrative: str, referral_id: str) -> Suggestion:
        # One narrative at a time: the spaCy pipeline is not shared across threads.
        with self._pipeline_lock, self.metrics.suggestion_seconds.time():
            try:
                return self.pipeline.suggest(narrative, referral_id)
            except NarrativeError:
                raise
            except Exception as exc:  # a model fault must not lose the request silently
                raise PipelineUnavailable("the suggestion pipeline failed; nothing was stored, retry") from exc
