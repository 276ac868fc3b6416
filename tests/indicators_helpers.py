"""Fixtures and helpers for indicator tests."""
