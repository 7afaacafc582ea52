"""leads: services."""
