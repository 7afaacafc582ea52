"""interactions: services."""
