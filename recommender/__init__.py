"""Ranking of retrieved candidates for one shopper (history-aware, with reasons)."""
