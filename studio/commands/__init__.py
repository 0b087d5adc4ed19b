"""One module per ``studio`` subcommand: each has ``register(commands, common)`` and a handler.

A handler is argument parsing, one ``Engine`` call and printing (``train`` and ``eval`` drive the
training loops and the evaluation harness directly). No Qt and no torch import here: handlers
import the heavy layers (torch, music21) only when they run, so ``studio --help`` and
``studio info`` start fast.
"""
