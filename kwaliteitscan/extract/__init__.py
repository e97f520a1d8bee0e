"""The extract stage: corpus discovery and the manifest (corpus.py), PDF sources (pdfsource.py),
layout into lines, columns and tables (layout.py), text cleaning (textclean.py), and the
cached, sandboxed extraction of whole files and batches (extractor.py)."""

from .corpus import corpus_entries, find_coded_pdf, find_pdfs
from .extractor import EXTRACTOR_VERSION, Cache, Document, Page, extract_file, extract_many, sha256_file

__all__ = ["EXTRACTOR_VERSION", "Cache", "Document", "Page", "corpus_entries", "extract_file", "extract_many",
           "find_coded_pdf", "find_pdfs", "sha256_file"]
