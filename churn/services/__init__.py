"""Writes of the churn app, one module per part (scoring, records)."""
