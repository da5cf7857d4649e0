"""Transactional email through an outbox: enqueue in the business transaction, send after commit.

A message is a row written in the same transaction as the order or quote it describes, so
it exists exactly when that work committed; ``dedupe_key`` makes a retried or replayed
operation enqueue it once. ``drain`` sends pending rows over SMTP and marks them sent; it
runs after a request commits (best effort, in a background thread) and from
``storefront mail drain`` (the reliable path, e.g. from cron or a worker loop).
"""

from storefront.mail.outbox import OutboxEmail, drain, enqueue, send_after_commit

__all__ = ["OutboxEmail", "drain", "enqueue", "send_after_commit"]
