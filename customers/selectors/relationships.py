"""relationships: selectors."""
