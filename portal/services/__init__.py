"""Portal services: filling the outbox, sending it, and what it holds."""
