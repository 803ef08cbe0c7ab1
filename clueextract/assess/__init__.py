"""Country assessments: clue votes combined per item and per series into ranked, explained probabilities."""
from .model import EvidenceModel, assess

__all__ = ["EvidenceModel", "assess"]
