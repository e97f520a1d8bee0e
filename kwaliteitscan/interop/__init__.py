"""Other tools' formats: REFI-QDA projects and codebooks (refiqda.py), gold codings in
(gold.py) and out (gold_export.py)."""
