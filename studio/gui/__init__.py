"""The studio window (PySide6): the only package that imports Qt.

Widgets adapt the engine to the screen and never do its work: models, files and audio renders run
in the engine on the worker thread (``worker``), playback through ``studio.audio`` behind a thin Qt
adapter (``playback``). ``app.create_window`` builds the whole window.
"""
