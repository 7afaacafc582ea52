"""relationships: forms."""
