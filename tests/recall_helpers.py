"""Fixtures and helpers for recall tests."""
