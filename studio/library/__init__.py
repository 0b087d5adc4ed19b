"""The music library: the SQLite catalog and its schema upgrades, folder indexing (the embedder
is passed in), the feedback store and ``RankedTrack``, the one ranked-result type.

Plain Python over ``studio.core`` only: no Qt, no torch, no model imports.
"""

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
