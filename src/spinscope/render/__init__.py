"""Renderers: a Document (or many) to JSON, JSONL, PTC label lines, text."""
