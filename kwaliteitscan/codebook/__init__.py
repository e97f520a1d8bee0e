"""The codebook stage: what a codebook is (model), reading and checking it (loader), other
dictionary formats (dictionaries) and what changed between two versions (diff)."""

from .loader import build_codebook, import_dictionary, load_codebook, load_yaml, parse_codebook
from .model import (DEFAULT_CODEBOOK, RESERVED_CODE, STATUSES, SUGGESTED_LABEL, ChecklistPoint, Code, Codebook,
                    Pattern, Qualifier, Settings, Theme, TokenTest)

__all__ = ["DEFAULT_CODEBOOK", "RESERVED_CODE", "STATUSES", "SUGGESTED_LABEL", "ChecklistPoint", "Code", "Codebook",
           "Pattern", "Qualifier", "Settings", "Theme", "TokenTest", "build_codebook", "import_dictionary", "load_codebook",
           "load_yaml",
           "parse_codebook"]
