"""The rule modules, one per concern. Every module here is imported by `registry.load_rules()`."""
