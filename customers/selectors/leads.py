"""leads: selectors."""
