"""Linkage services: contracts, deliveries, fulfilment and support. They flush, never commit."""
