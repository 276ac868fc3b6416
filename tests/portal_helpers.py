"""Fixtures and helpers for portal sync tests."""
