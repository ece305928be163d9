"""Pure ring detection: a `Projection` in, a `DetectionResult` out (no I/O, no Neo4j)."""

from app.detection.evaluation import evaluate
from app.detection.fixtures import load_fixture, load_truth, projection_from_dict
from app.detection.pipeline import detect, ring_id

__all__ = ["detect", "evaluate", "load_fixture", "load_truth", "projection_from_dict", "ring_id"]
