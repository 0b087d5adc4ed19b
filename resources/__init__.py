"""Files that ship with Motif Studio: the trained models with their model cards (``models/``)
and the demo library (``demo/``).

Installed as the package ``studio.resources`` (see ``pyproject.toml``); read them through
``studio.core.resources``, never by a path relative to the repository.
"""
