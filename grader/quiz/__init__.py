"""Quiz mode: certification catalog, question banks, lint, practice / exam / review, readiness.

Nothing here imports torch: generated questions use NumPy model solutions and `formulas`.
"""
