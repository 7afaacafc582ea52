"""relationships: services."""
