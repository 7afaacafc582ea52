"""leads: forms."""
