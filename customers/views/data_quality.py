"""data quality: views."""
