"""Recommendations "for you": feedback weights, the per-profile taste model, the hybrid ranker
and ``RecommendService``, fed from the library's feedback and track vectors.

numpy only: no torch, no Qt; of ``studio`` only ``core`` and ``library``.
"""
