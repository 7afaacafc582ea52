"""data quality: services."""
