"""mlperf-checker: an independent checker for MLPerf Inference submissions."""

__version__ = "0.1.0"
