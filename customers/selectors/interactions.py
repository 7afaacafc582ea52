"""interactions: selectors."""
