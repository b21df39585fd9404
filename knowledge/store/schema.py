"""Every table of the store, for the migrations (``knowledge/store/migrations/env.py``) and the test
that the migrations build what the table declarations say."""

from __future__ import annotations

from sqlalchemy import MetaData

from knowledge.store.conversations import conversation_metadata
from knowledge.store.database import metadata
from knowledge.store.order_log import log_metadata
from knowledge.store.sessions import session_metadata
from knowledge.store.tickets import ticket_metadata

STORE_METADATA: list[MetaData] = [metadata, session_metadata, log_metadata, ticket_metadata, conversation_metadata]
