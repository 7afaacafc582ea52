"""data quality: selectors."""
