"""Recall services: open, trace, notify, acknowledge, close (they flush; callers commit)."""
