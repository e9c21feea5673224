"""The indicator catalogue: the guidance as data."""

from nlp.catalogue.loader import Catalogue, CatalogueError, load_catalogue
from nlp.catalogue.schema import CatalogueEntry, collapse_whitespace

__all__ = ["Catalogue", "CatalogueEntry", "CatalogueError", "collapse_whitespace", "load_catalogue"]
