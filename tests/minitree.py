"""A hand-made, deliberately incomplete submission tree: small, fast, and with findings to report."""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = ("closed/Org/results/sys1/resnet/Offline", "closed/Org/results/sys1/resnet/SingleStream",
           "closed/Org/results/sys 2/resnet/Offline")


def make_tree(root: Path) -> Path:
    """Write a v6.0-layout tree with three result directories and their systems; return its root.

    Only `systems/*.json` and the result directories exist, so STR001 fires on every result.
    One system name has a space, to exercise URI and annotation escaping.
    """
    for rel in RESULTS:
        (root / rel).mkdir(parents=True, exist_ok=True)
    (root / "closed/Org/systems").mkdir(parents=True, exist_ok=True)
    for name in ("sys1", "sys 2"):
        (root / "closed/Org/systems" / f"{name}.json").write_text(
            json.dumps({"division": "closed", "system_type": "edge", "system_name": name, "status": "available"}))
    return root
