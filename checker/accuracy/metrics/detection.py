"""retinanet and yolo: COCO bbox mAP (`mAP=37.283%`, key `mAP`).

As `tools/accuracy-openimages.py` / `accuracy-coco.py`: payloads are float32 groups of 7
`[image_idx, ymin, xmin, ymax, xmax, score, label]` with coordinates normalised to 0..1; the image is
`images[qsl_idx]` of the annotation file (a disagreeing `image_idx` is only reported); fewer than 7
floats means "no detection" but the image still counts; duplicates are ignored; the label is used as
the COCO category id as is (the reference SUTs write category ids; no inverse map).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from checker.accuracy.decode import as_array, float32
from checker.accuracy.reference import coco_annotations
from checker.accuracy.registry import MetricFn, Outcome, Value, metric
from checker.accuracy.stream import samples
from checker.parsers.accuracy_log import Entry

GROUP = 7


def _detections(entries: Iterator[Entry], images: list[dict], out: Outcome) -> tuple[list[dict], set[int]]:
    detections: list[dict] = []
    image_ids: set[int] = set()
    disagreeing = ragged = 0
    import numpy as np  # (here: a run that scores no detection log never loads numpy)

    for entry in entries:
        image = images[entry.qsl_idx]
        image_ids.add(image["id"])
        values = as_array(entry.data, float32())
        if len(values) < GROUP:
            continue
        ragged += len(values) % GROUP != 0
        groups = values[: len(values) // GROUP * GROUP].reshape(-1, GROUP).astype(float)
        disagreeing += int(np.any(groups[:, 0].astype(int) != entry.qsl_idx))
        h, w = float(image["height"]), float(image["width"])
        for _, ymin, xmin, ymax, xmax, score, label in groups:
            detections.append({"image_id": image["id"], "category_id": int(label), "score": float(score),
                               "bbox": [xmin * w, ymin * h, (xmax - xmin) * w, (ymax - ymin) * h]})
    if disagreeing:
        out.problems.append(f"{disagreeing} entries carry an image index different from their qsl_idx")
    if ragged:
        out.problems.append(f"{ragged} payloads are not a whole number of 7-float detections")
    return detections, image_ids


def _coco_map(resource: str) -> MetricFn:
    def compute(entries: Iterator[Entry], paths: dict[str, Path], size: int | None) -> Outcome:
        annotations = coco_annotations(paths[resource])
        images = annotations["images"]
        out = Outcome(dtype="float32")
        limit = min(len(images), size) if size else len(images)
        detections, image_ids = _detections(samples(entries, limit), images, out)
        if not image_ids:
            out.skipped["mAP"] = "the log holds no sample of the data set"
            return out
        from checker.accuracy.coco import evaluate_map  # numpy with it: loaded only to score

        value, how = evaluate_map(annotations, detections, image_ids)
        out.values["mAP"] = Value(100.0 * value, note=f"{len(detections)} detections on {len(image_ids)} images, {how}")
        return out

    compute.__doc__ = f"COCO mAP in percent against the `{resource}` annotations."
    return compute


metric("retinanet", ("retinanet",), ("mAP",), needs=("openimages_annotations",),
       tolerance={"mAP": 1e-6})(_coco_map("openimages_annotations"))
metric("yolo", ("yolo-95", "yolo-99"), ("mAP",), needs=("coco_annotations",),
       tolerance={"mAP": 1e-6})(_coco_map("coco_annotations"))
