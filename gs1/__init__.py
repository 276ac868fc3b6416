"""GS1's standards as pure functions: identifiers and check digits (``gs1.codes``), GS1
Digital Link paths (``gs1.digital_link``) and the CBV 2.0 event hash (``gs1.event_hash``).
No Flask and no other package of ours: anything may import it."""
