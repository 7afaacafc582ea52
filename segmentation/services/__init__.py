"""Writes of the segmentation app, one module per part (metrics, criteria, classification, runs).

The public names below are stable (the benchmark in bench/ calls them).
"""

from segmentation.rules import criterion_queryset
from segmentation.services.classification import rfm_apply, segments_apply, tiers_apply
from segmentation.services.criteria import criterion_create, criterion_update
from segmentation.services.metrics import metrics_refresh
from segmentation.services.runs import run_create, run_execute, run_scheduled, run_start, runs_fail_stale

__all__ = [
    "criterion_create",
    "criterion_queryset",
    "criterion_update",
    "metrics_refresh",
    "rfm_apply",
    "run_create",
    "run_execute",
    "run_scheduled",
    "run_start",
    "runs_fail_stale",
    "segments_apply",
    "tiers_apply",
]
