"""interactions: forms."""
