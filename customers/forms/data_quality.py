"""data quality: forms."""
