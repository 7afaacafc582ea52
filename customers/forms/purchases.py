"""purchases: forms."""
