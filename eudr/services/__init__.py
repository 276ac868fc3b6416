"""EUDR services: plots, the evidence for a shipment."""
