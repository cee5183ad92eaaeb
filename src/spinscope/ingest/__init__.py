"""Ingest: turn a path, URL, stdin bytes or a string into decoded text of a known kind."""
