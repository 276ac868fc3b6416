"""Indicators: the traceability and linkage rates, dashboard and reports."""
