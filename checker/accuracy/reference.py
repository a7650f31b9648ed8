"""The `--reference-data DIR` folder: where each resource is looked for, and cached loaders.

Nothing is ever downloaded: every resource is a file the user put under DIR (layout documented in
`docs/reference-data.md`). Loaders raise :class:`ReferenceDataError` with a plain reason when a file
is present but unusable; the caller turns it into a "not recomputed" finding.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from checker.accuracy.registry import ReferenceDataError

if TYPE_CHECKING:  # numpy is imported where labels are loaded (start-up time of every run)
    import numpy as np

#: Resource name -> candidate paths relative to the reference folder (first existing wins).
RESOURCES: dict[str, tuple[str, ...]] = {
    "imagenet_val_map": ("imagenet/val_map.txt", "val_map.txt"),
    "openimages_annotations": ("openimages/openimages-mlperf.json", "openimages/annotations/openimages-mlperf.json"),
    "coco_annotations": ("coco/instances_val2017.json", "coco/annotations/instances_val2017.json"),
    "librispeech_manifest": ("librispeech/dev-all-repack.json", "whisper/dev-all-repack.json"),
}
#: Untruncated accuracy logs, mirroring the submission tree (what the truncation tool's --backup keeps).
FULL_LOGS_DIR = "full-logs"
T = TypeVar("T")


class ReferenceData:
    """The user's reference folder (or none)."""

    def __init__(self, root: Path | None) -> None:
        self.root = Path(root) if root is not None else None

    def find(self, resource: str) -> Path | None:
        """The first existing candidate file of `resource`, or None."""
        if self.root is None:
            return None
        for rel in RESOURCES[resource]:
            path = self.root / rel
            if path.is_file():
                return path
        return None

    def describe(self, resource: str) -> str:
        """Where a resource is expected, for messages."""
        return " or ".join(f"<reference-data>/{rel}" for rel in RESOURCES[resource])

    def full_log(self, submission_rel: str) -> Path | None:
        """The untruncated log of a published (truncated) one, by its path relative to the submission root."""
        if self.root is None:
            return None
        path = self.root / FULL_LOGS_DIR / submission_rel
        return path if path.is_file() else None


def _per_file(loader: Callable[[Path], T]) -> Callable[[Path], T]:
    """Cache a loader's result per file version (path, size, modification time)."""
    cached = functools.lru_cache(maxsize=4)(lambda path, _size, _mtime: loader(path))

    @functools.wraps(loader)
    def load(path: Path) -> T:
        try:
            st = path.stat()
        except OSError as exc:
            raise ReferenceDataError(f"cannot read {path.name}: {exc.strerror}") from None
        return cached(path, st.st_size, st.st_mtime_ns)

    return load


def _read_json(path: Path) -> object:
    try:
        with open(path, "rb") as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        raise ReferenceDataError(f"{path.name} is not readable JSON ({type(exc).__name__}: {exc})") from None


@_per_file
def imagenet_labels(path: Path) -> np.ndarray:
    """Labels of ImageNet's `val_map.txt` (`<file> <label>` per line), indexed by QSL sample index."""
    labels: list[int] = []
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for number, line in enumerate(fh, start=1):
                parts = line.split()
                if not parts:
                    continue
                if len(parts) < 2 or not parts[-1].lstrip("-").isdigit():
                    raise ReferenceDataError(f"{path.name} line {number} is not '<file> <label>'")
                labels.append(int(parts[-1]))
    except OSError as exc:
        raise ReferenceDataError(f"cannot read {path.name}: {exc.strerror}") from None
    if not labels:
        raise ReferenceDataError(f"{path.name} holds no labels")
    import numpy as np

    return np.asarray(labels, dtype=np.int64)


@_per_file
def coco_annotations(path: Path) -> dict:
    """A COCO-format annotation file (`images`, `annotations`, `categories`)."""
    data = _read_json(path)
    if not isinstance(data, dict) or not all(isinstance(data.get(k), list) for k in ("images", "annotations", "categories")):
        raise ReferenceDataError(f"{path.name} is not a COCO annotation file (needs images, annotations, categories)")
    return data


@_per_file
def librispeech_manifest(path: Path) -> list[dict]:
    """The whisper manifest: a JSON list of utterances with `transcript` and `original_duration`."""
    data = _read_json(path)
    if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
        raise ReferenceDataError(f"{path.name} is not a JSON list of utterances")
    return data
