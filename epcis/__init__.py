"""EPCIS 2.0: the project's validation of documents, the export of our events, the capture
of other systems' documents (``epcis.capture``), and their upload and download pages
(``epcis.views``); the API is in ``api/epcis.py``. Above ``trace``, beside ``consumer``
and ``labels``."""
