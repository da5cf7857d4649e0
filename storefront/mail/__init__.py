"""Transactional email through an outbox: enqueue in the business transaction, send after commit.

A message is a row written in the same transaction as the order or quote it describes, so
it exists exactly when that work committed; ``dedupe_key`` makes a retried or replayed
operation enqueue it once. ``drain`` claims due rows with a lease, sends them over SMTP and
marks them sent only once the server accepted; after a request commits it runs in the worker
(a drain job the request queues) or, without a worker, in a background thread of the web
process (best effort); every MAIL_DRAIN_INTERVAL_SECONDS in ``storefront worker`` (the
reliable path) and from ``storefront mail drain``. Rows that keep failing end ``dead`` and
are listed on /staff/mail for a resend.
"""

from storefront.mail.outbox import (
    DRAIN_HOOK,
    MailStatus,
    OutboxEmail,
    dead_letters,
    drain,
    enqueue,
    resend,
    send_after_commit,
)

__all__ = ["DRAIN_HOOK", "MailStatus", "OutboxEmail", "dead_letters", "drain", "enqueue", "resend",
           "send_after_commit"]
