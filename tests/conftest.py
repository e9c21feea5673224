"""Shared fixtures. Models load lazily, once per session: never at import time."""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"  # before anything can import huggingface_hub
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# Tests never see a developer's own registry (mlruns/): without a champion the pipeline
# uses the guidance rules, so results do not depend on what was trained locally.
# Tests of the registry point MLFLOW_TRACKING_URI at their own temporary store.
os.environ["MLFLOW_TRACKING_URI"] = "sqlite:////nonexistent/threshold-tests/mlflow.db"

from pathlib import Path

import pytest

FIXTURES_DIR = Path(__file__).parent / "fixtures"
MINI_CATALOGUE_DIR = FIXTURES_DIR / "catalogue"


@pytest.fixture(scope="session")
def mini_catalogue_dir() -> Path:
    """The small test catalogue (tests/fixtures/catalogue): read it, never write to it."""
    return MINI_CATALOGUE_DIR


@pytest.fixture(scope="session")
def mini_catalogue(mini_catalogue_dir):
    from nlp.catalogue import load_catalogue

    return load_catalogue(mini_catalogue_dir)


@pytest.fixture(scope="session")
def embedding_cache_dir(tmp_path_factory) -> Path:
    """A private embedding cache for the mini catalogue."""
    return tmp_path_factory.mktemp("embedding-cache")


@pytest.fixture(scope="session")
def mini_pipeline(mini_catalogue_dir, embedding_cache_dir):
    """Rules, embeddings and context on the mini catalogue."""
    from nlp.pipeline import PipelineSettings, ThresholdAssist

    return ThresholdAssist.load(PipelineSettings(catalogue_dir=mini_catalogue_dir, cache_dir=embedding_cache_dir))


@pytest.fixture(scope="session")
def rules_pipeline(mini_catalogue_dir, embedding_cache_dir):
    """Keyword rules and context only (no sentence model): fast."""
    from nlp.pipeline import PipelineSettings, ThresholdAssist

    settings = PipelineSettings(catalogue_dir=mini_catalogue_dir, cache_dir=embedding_cache_dir)
    return ThresholdAssist.load(settings, embeddings=False)


@pytest.fixture(scope="session")
def full_pipeline():
    """The real catalogue, embedded into the default cache (THRESHOLD_CACHE_DIR or
    ~/.cache/threshold-assist), which the CLI subprocesses then share: embedding all
    606 entries takes half a minute, so it is done at most once per catalogue version."""
    from nlp.pipeline import ThresholdAssist

    return ThresholdAssist.load()
