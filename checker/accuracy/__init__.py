"""Accuracy re-scoring from `mlperf_log_accuracy.json`: dtype inference, reference data, metric registry.

`registry` declares how a benchmark is re-scored (`@metric`), `metrics/` holds one module per family,
`reference` finds and loads the `--reference-data` files, `rescore` streams a log through a metric
function, `evidence` gathers what the accuracy rules of one result need (reported values, log
integrity, the full log and its re-scoring), `spotcheck` tests a truncated log's visible entries.
"""
