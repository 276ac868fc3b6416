"""Trace: products, sites, batches, events, genealogy, completeness, labels, resolver pages."""
