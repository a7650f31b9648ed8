"""Parsers for every file a submission holds: each returns data or problems, never raises on bad input."""
