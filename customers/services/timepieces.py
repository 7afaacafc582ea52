"""timepieces: services."""
