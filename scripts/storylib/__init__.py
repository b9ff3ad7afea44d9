"""Builders and stories behind scripts/gen-fixtures.py."""
