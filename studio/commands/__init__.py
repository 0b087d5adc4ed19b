"""One module per ``studio`` subcommand: each has ``register(commands, common)`` and a handler.

Handlers import the heavy layers (torch, music21) only when they run, so ``studio --help`` and
``studio info`` start fast.
"""
