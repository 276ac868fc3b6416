"""The public resolver: consumer pages for scanned codes, GS1 Digital Link and linksets
(``consumer.views``), answered by ``consumer.answer`` — also from the page front
(``consumer.front``) — with their cache, scans and rate limit."""
