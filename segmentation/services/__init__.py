"""Writes of the segmentation app, one module per part (metrics, criteria, runs, ...)."""

from segmentation.services.metrics import metrics_refresh

__all__ = ["metrics_refresh"]
