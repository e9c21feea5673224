"""Threshold Assist NLP: indicator catalogue, spaCy pipeline and suggestions."""
