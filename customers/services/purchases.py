"""purchases: services."""
