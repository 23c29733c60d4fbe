"""Queries that are not a use case's decision: the claims (SKIP LOCKED, conditional updates),
the dialling updates, a webhook's read and writes, and a round's insert (per dialect)."""
