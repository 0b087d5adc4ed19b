"""Similar tracks: passages, the passage autoencoder and its training loop, the numpy embedder,
the in-memory vector index and ``SimilarityService``; the corpus of training and evaluation MIDI.

Embedding and searching run in numpy; only training imports torch. No Qt.
"""
