"""Queries that need more than the ORM's defaults: the claims (SKIP LOCKED, conditional updates)."""
