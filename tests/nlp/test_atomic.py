"""Cache files are replaced whole or not at all."""

import pytest

from nlp.embeddings.atomic import write_atomically


def test_write_atomically_replaces_the_file_whole(tmp_path):
    path = tmp_path / "cache" / "vectors.npy"
    write_atomically(path, lambda file: file.write(b"first"))
    write_atomically(path, lambda file: file.write(b"second"))
    assert path.read_bytes() == b"second"
    assert [p.name for p in path.parent.iterdir()] == ["vectors.npy"]


def test_write_atomically_leaves_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "vectors.npy"
    path.write_bytes(b"old")

    def fail(file):
        file.write(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_atomically(path, fail)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["vectors.npy"]
