"""The evaluation harness behind ``studio eval``: metrics and baselines for generated melodies,
labelled sets, queries and methods for retrieval, and simulated listeners for recommendations.

May load the models (torch); never Qt. Only the commands import it, never the app itself.
"""
