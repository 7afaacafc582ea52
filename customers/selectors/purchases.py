"""purchases: selectors."""
