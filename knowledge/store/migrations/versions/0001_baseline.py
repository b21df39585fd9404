"""Baseline: the store's tables as ``create_all`` built them before migrations.

A database ``create_all`` built has some or all of these tables and no ``alembic_version``: only the
missing tables are created (a part of Aisle never opened on it never made its tables), the others
and their rows are left as they are, and the database is then at this revision.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001_baseline"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

TABLES = ["customers", "faq", "feedback", "interactions", "journal_applied", "orders", "products", "store_meta",
          "issued_sessions", "used_embed_tokens", "order_actions", "service_requests", "handoff_tickets",
          "conversations", "messages"]


def _missing(table: str) -> bool:
    return not sa.inspect(op.get_bind()).has_table(table)


def upgrade() -> None:
    if _missing("customers"):
        op.create_table(
            "customers",
            sa.Column("id", sa.String(length=64), nullable=False),
            sa.Column("email", sa.String(length=256), nullable=True),
            sa.Column("payload", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index("ix_customers_email", "customers", ["email"])
    if _missing("faq"):
        op.create_table(
            "faq",
            sa.Column("id", sa.String(length=128), nullable=False),
            sa.Column("content_hash", sa.String(length=32), nullable=False),
            sa.Column("payload", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
    if _missing("feedback"):
        op.create_table(
            "feedback",
            sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("session_id", sa.String(length=64), nullable=False),
            sa.Column("customer_id", sa.String(length=64), nullable=False),
            sa.Column("rating", sa.String(length=8), nullable=False),
            sa.Column("message_index", sa.Integer(), nullable=True),
            sa.Column("intent", sa.String(length=32), nullable=False),
            sa.Column("reply_text", sa.Text(), nullable=False),
            sa.Column("product_ids", sa.Text(), nullable=False),
            sa.Column("ts", sa.DateTime(), nullable=False),
            sa.CheckConstraint("rating in ('up', 'down')", name="ck_feedback_rating"),
            sa.PrimaryKeyConstraint("pk"),
        )
        op.create_index("ix_feedback_session_id", "feedback", ["session_id"])
        op.create_index("ix_feedback_ts", "feedback", ["ts"])
    if _missing("interactions"):
        op.create_table(
            "interactions",
            sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("customer_id", sa.String(length=64), nullable=False),
            sa.Column("product_id", sa.String(length=64), nullable=False),
            sa.Column("event", sa.String(length=16), nullable=False),
            sa.Column("ts", sa.DateTime(), nullable=False),
            sa.Column("session_id", sa.String(length=64), nullable=False),
            sa.Column("weight", sa.Float(), nullable=False),
            sa.PrimaryKeyConstraint("pk"),
            sa.UniqueConstraint("customer_id", "product_id", "event", "ts", name="uq_interaction"),
        )
        op.create_index("ix_interactions_customer_ts", "interactions", ["customer_id", "ts"])
        op.create_index("ix_interactions_product_id", "interactions", ["product_id"])
    if _missing("journal_applied"):
        op.create_table(
            "journal_applied",
            sa.Column("id", sa.String(length=40), nullable=False),
            sa.Column("kind", sa.String(length=32), nullable=False),
            sa.Column("ts", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
    if _missing("orders"):
        op.create_table(
            "orders",
            sa.Column("id", sa.String(length=64), nullable=False),
            sa.Column("customer_id", sa.String(length=64), nullable=True),
            sa.Column("status", sa.String(length=16), nullable=True),
            sa.Column("placed_at", sa.DateTime(), nullable=True),
            sa.Column("payload", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index("ix_orders_customer_id", "orders", ["customer_id"])
        op.create_index("ix_orders_placed_at", "orders", ["placed_at"])
        op.create_index("ix_orders_status", "orders", ["status"])
    if _missing("products"):
        op.create_table(
            "products",
            sa.Column("id", sa.String(length=64), nullable=False),
            sa.Column("category", sa.String(length=64), nullable=True),
            sa.Column("content_hash", sa.String(length=32), nullable=False),
            sa.Column("payload", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index("ix_products_category", "products", ["category"])
    if _missing("store_meta"):
        op.create_table(
            "store_meta",
            sa.Column("key", sa.String(length=64), nullable=False),
            sa.Column("value", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("key"),
        )
    if _missing("issued_sessions"):
        op.create_table(
            "issued_sessions",
            sa.Column("session_id", sa.String(length=64), nullable=False),
            sa.Column("customer_id", sa.String(length=64), nullable=False),
            sa.Column("signed_in_by", sa.String(length=16), nullable=False),
            sa.Column("issued", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("session_id"),
        )
    if _missing("used_embed_tokens"):
        op.create_table(
            "used_embed_tokens",
            sa.Column("jti", sa.String(length=128), nullable=False),
            sa.Column("expires", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("jti"),
        )
        op.create_index("ix_used_embed_tokens_expires", "used_embed_tokens", ["expires"])
    if _missing("order_actions"):
        op.create_table(
            "order_actions",
            sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("ts", sa.DateTime(), nullable=False),
            sa.Column("session_id", sa.String(length=64), nullable=False),
            sa.Column("actor", sa.String(length=64), nullable=False),
            sa.Column("customer_id", sa.String(length=64), nullable=False),
            sa.Column("order_id", sa.String(length=64), nullable=False),
            sa.Column("action", sa.String(length=32), nullable=False),
            sa.Column("outcome", sa.String(length=16), nullable=False),
            sa.Column("detail", sa.Text(), nullable=False),
            sa.Column("arguments", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("pk"),
        )
        op.create_index("ix_order_actions_order_id", "order_actions", ["order_id"])
        op.create_index("ix_order_actions_session_id", "order_actions", ["session_id"])
        op.create_index("ix_order_actions_ts", "order_actions", ["ts"])
    if _missing("service_requests"):
        op.create_table(
            "service_requests",
            sa.Column("id", sa.String(length=32), nullable=False),
            sa.Column("order_id", sa.String(length=64), nullable=False),
            sa.Column("product_id", sa.String(length=64), nullable=False),
            sa.Column("kind", sa.String(length=16), nullable=False),
            sa.Column("new_sku", sa.String(length=64), nullable=True),
            sa.Column("reason", sa.String(length=32), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("ts", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index("ix_service_requests_order_id", "service_requests", ["order_id"])
    if _missing("handoff_tickets"):
        op.create_table(
            "handoff_tickets",
            sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("session_id", sa.String(length=64), nullable=False),
            sa.Column("customer_id", sa.String(length=64), nullable=False),
            sa.Column("reason", sa.String(length=32), nullable=False),
            sa.Column("summary", sa.Text(), nullable=False),
            sa.Column("transcript", sa.Text(), nullable=False),
            sa.Column("order_ids", sa.Text(), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("created", sa.DateTime(), nullable=False),
            sa.Column("closed", sa.DateTime(), nullable=True),
            sa.PrimaryKeyConstraint("pk"),
        )
        op.create_index("ix_handoff_tickets_created", "handoff_tickets", ["created"])
        op.create_index("ix_handoff_tickets_session_id", "handoff_tickets", ["session_id"])
        op.create_index("ix_handoff_tickets_status", "handoff_tickets", ["status"])
    if _missing("conversations"):
        op.create_table(
            "conversations",
            sa.Column("session_id", sa.String(length=64), nullable=False),
            sa.Column("customer_id", sa.String(length=64), nullable=False),
            sa.Column("started", sa.DateTime(), nullable=False),
            sa.Column("updated", sa.DateTime(), nullable=False),
            sa.Column("ticket_id", sa.String(length=32), nullable=False),
            sa.Column("messages", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("session_id"),
        )
        op.create_index("ix_conversations_updated", "conversations", ["updated"])
    if _missing("messages"):
        op.create_table(
            "messages",
            sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("session_id", sa.String(length=64), nullable=False),
            sa.Column("role", sa.String(length=16), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            sa.Column("intent", sa.String(length=64), nullable=False),
            sa.Column("resolution", sa.String(length=16), nullable=False),
            sa.Column("sources", sa.Text(), nullable=False),
            sa.Column("author", sa.String(length=64), nullable=False),
            sa.Column("ts", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("pk"),
        )
        op.create_index("ix_messages_session", "messages", ["session_id", "pk"])
        op.create_index("ix_messages_ts", "messages", ["ts"])


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
