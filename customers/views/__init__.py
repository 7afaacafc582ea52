"""Thin views, one module per part of the client record; URLs in customers/urls/."""
