"""The match stage: the codebook's pattern index and the candidates it makes from a segmented
document (matcher.py), and the learned theme suggester applied at run time (suggest.py)."""

from .matcher import Candidate, Matcher, code_document

__all__ = ["Candidate", "Matcher", "code_document"]
