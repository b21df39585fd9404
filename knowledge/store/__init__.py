"""The operational store: the SQL database and what lives beside it (write-ahead journal, order
audit log, tickets, conversations, issued sessions, reports, the ingest writer lock).

Importing the package imports ``order_log``, so every kind of journaled write has registered its
applier (``journal.register_applier``) before any journal replay can run, whichever store module a
caller imports first.
"""

from knowledge.store import order_log as _order_log  # noqa: F401  (registers the "order_action" applier)
