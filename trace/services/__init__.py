"""Trace services: what views, API methods and commands call. They add and flush, never commit."""
