"""Linkage: contracts between enterprises and cooperatives, deliveries, support claims."""
