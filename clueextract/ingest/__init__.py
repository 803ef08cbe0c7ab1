"""Ingest: walk evidence paths, open files read-only, hash, sniff media type."""
