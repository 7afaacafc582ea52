"""relationships: views."""
