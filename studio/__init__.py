"""Motif Studio: generate, edit, hear and find melodies."""

__version__ = "0.1.0"
