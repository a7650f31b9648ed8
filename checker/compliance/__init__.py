"""Recomputation of the compliance (audit) tests from their logs: pure functions, no I/O policy.

Each module re-implements one official verification script (TEST01, TEST04/TEST05, TEST06, TEST08,
TEST09) or reads what a script wrote (`verify_*.txt`), so that the rules in
`checker.checks.compliance` can compare the submitted verdict with what the logs say.
"""
