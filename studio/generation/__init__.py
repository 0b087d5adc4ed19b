"""Melody generation: the bar-by-bar GAN (``gan``), its training tunes (``tunes``) and arrays
(``data``), its training loop (``train``), the decoding rules (``decoding``) and the
``MelodyGenerator`` service (``generator``).

``gan``, ``train`` and ``generator`` use torch; ``tunes``, ``data`` and ``decoding`` do not; none
uses Qt. Of ``studio`` it imports only ``core`` and ``training``.
"""
