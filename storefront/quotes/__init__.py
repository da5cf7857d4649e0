"""OEM / B2B quote requests and their staff workflow.

A buyer asks through the form (``/oem/quote``) or the API (``POST /api/v1/quotes``); the
request is stored with an indicative price per catalogue line (volume tiers and MOQ) and a
reference such as ``Q-2026-000123``, then buyer and staff are emailed through the outbox.
Staff move it new → in_review → quoted (CLI now, staff pages later); the buyer accepts through
a personal link before the validity date and pays the deposit or the full amount through
checkout. Every move is an event with who and when.

Modules: ``models``, ``schemas`` (request shape), ``pricing``, ``intake`` (create),
``workflow`` (status moves, messages, expiry), ``attachments``, ``notify`` (emails),
``export`` (CSV), ``ordering`` (quote → order), ``cli``.
"""
