"""leads: views."""
