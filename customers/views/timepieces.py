"""timepieces: views."""
