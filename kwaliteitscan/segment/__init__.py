"""The segment stage: the spaCy pipeline (nlp.py) and a document's blocks, sentences and tokens
with page numbers, cached per document (segmenter.py)."""

from .nlp import load_pipeline, pipeline_id
from .segmenter import Block, Segmented, segment, segmented

__all__ = ["Block", "Segmented", "load_pipeline", "pipeline_id", "segment", "segmented"]
