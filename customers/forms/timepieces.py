"""timepieces: forms."""
