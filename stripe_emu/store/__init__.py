"""Persistence: the only package that talks to sqlite3.

`db.py` owns connections and transactions; the other modules hold the SQL of one concern each
and take an open connection from a transaction, so a request's writes share one transaction.
"""
from .db import Store

__all__ = ["Store"]
