"""The bundled sentence model is checked file by file against its recorded SHA-256."""

import os
import shutil

import pytest

from nlp.embeddings.model import (
    ModelIntegrityError,
    bundled_model_dir,
    load_sentence_model,
    recorded_hashes,
    verify_model_files,
)

WEIGHTS = "model.safetensors"


@pytest.fixture
def model_copy(tmp_path):
    """A copy of the bundled model: small files copied, the 90 MB weights symlinked."""
    source = bundled_model_dir()
    target = tmp_path / "model"
    for relative in recorded_hashes():
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if relative == WEIGHTS:
            os.symlink(source / relative, destination)
        else:
            shutil.copyfile(source / relative, destination)
    return target


def test_model_integrity_bundled_model_passes():
    fingerprint = verify_model_files(bundled_model_dir())
    assert len(fingerprint) == 12
    assert fingerprint == verify_model_files(bundled_model_dir())


def test_model_integrity_faithful_copy_passes(model_copy):
    assert verify_model_files(model_copy) == verify_model_files(bundled_model_dir())


def test_model_integrity_one_changed_byte_in_config_fails(model_copy):
    config = model_copy / "config.json"
    data = bytearray(config.read_bytes())
    data[10] = ord("X") if data[10] != ord("X") else ord("Y")
    config.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match=r"model file config\.json has SHA-256"):
        verify_model_files(model_copy)


def test_model_integrity_changed_pooling_config_fails(model_copy):
    pooling = model_copy / "1_Pooling" / "config.json"
    pooling.write_text(pooling.read_text(encoding="utf-8").replace("true", "false", 1), encoding="utf-8")
    with pytest.raises(ModelIntegrityError, match=r"1_Pooling/config\.json"):
        verify_model_files(model_copy)


def test_model_integrity_missing_file_fails(model_copy):
    (model_copy / "tokenizer.json").unlink()
    with pytest.raises(ModelIntegrityError, match=r"model file missing: .*tokenizer\.json"):
        verify_model_files(model_copy)


def test_model_integrity_expected_hashes_can_be_given(model_copy):
    with pytest.raises(ModelIntegrityError, match=r"modules\.json"):
        verify_model_files(model_copy, {"modules.json": "0" * 64})


def test_model_integrity_load_refuses_tampered_model(model_copy):
    (model_copy / "vocab.txt").write_text("[PAD]\n", encoding="utf-8")
    with pytest.raises(ModelIntegrityError, match=r"vocab\.txt"):
        load_sentence_model(model_copy)
