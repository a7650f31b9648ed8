"""The metric functions, one module per family; importing this package registers them all."""

from checker.accuracy.metrics import classification, detection, dlrm, llm, whisper  # noqa: F401
