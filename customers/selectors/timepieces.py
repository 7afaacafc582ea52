"""timepieces: selectors."""
