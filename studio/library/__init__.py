"""The music library: SQLite catalog and folder indexing (plain Python: no Qt, no torch)."""

from studio.library.catalog import Catalog, CatalogError, CatalogTrack, default_db_path
from studio.library.indexer import IndexSummary, index_folders

__all__ = [
    "Catalog",
    "CatalogError",
    "CatalogTrack",
    "IndexSummary",
    "default_db_path",
    "index_folders",
]
