"""Annotation interchange: annotated cases to and from other annotation tools, losslessly.

- `training.interchange.labelstudio`: Label Studio JSON tasks (no spaCy needed).
- `training.interchange.labelstudio_config`: the matching labelling config, from the catalogue.
- `training.interchange.docbin`: spaCy DocBin with a "gold_indicators" span group.
- `training.interchange.common`: the error type, case validation and the JSONL writer.

This package imports nothing heavy: spaCy loads only when `docbin` is imported.
"""
