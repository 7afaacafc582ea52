"""purchases: views."""
