"""The field app's services: batch submit, event photos, reference data."""
