"""interactions: views."""
