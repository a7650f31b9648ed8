"""COCO bounding-box mAP@[.50:.95] (pycocotools' `stats[0]`), in numpy.

The same algorithm as `pycocotools.cocoeval.COCOeval` with `iouType="bbox"`, area range "all" and
100 detections per image: per image and category, detections sorted by score are greedily matched to
the best remaining ground truth at each IoU threshold (crowd boxes may match many detections and are
ignored, as are detections matched to them); per category, precision is made monotone and sampled at
101 recall points; the mean over thresholds, recall points and categories with ground truth is the mAP.
pycocotools is used instead when it is installed (`evaluate_map` chooses), this module otherwise.
"""

from __future__ import annotations

import contextlib
import io
from collections import defaultdict

import numpy as np

IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)
RECALL_POINTS = np.linspace(0.0, 1.0, 101)
MAX_DETECTIONS = 100
AREA_ALL = (0.0, 1e5 ** 2)


def box_iou(dets: np.ndarray, gts: np.ndarray, crowd: np.ndarray) -> np.ndarray:
    """IoU matrix of [x, y, w, h] boxes; for crowd ground truth the union is the detection's area."""
    if len(dets) == 0 or len(gts) == 0:
        return np.zeros((len(dets), len(gts)))
    dx, dy, dw, dh = (dets[:, i:i + 1] for i in range(4))
    gx, gy, gw, gh = (gts[None, :, i] for i in range(4))
    iw = np.clip(np.minimum(dx + dw, gx + gw) - np.maximum(dx, gx), 0, None)
    ih = np.clip(np.minimum(dy + dh, gy + gh) - np.maximum(dy, gy), 0, None)
    inter = iw * ih
    union = np.where(crowd[None, :], dw * dh, dw * dh + gw * gh - inter)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / union, 0.0)


def _evaluate_image(dt: list[dict], gt: list[dict]) -> dict | None:
    """Matches of one (image, category): scores, matched flags and ignore flags per threshold."""
    if not dt and not gt:
        return None
    g_area = [g.get("area", g["bbox"][2] * g["bbox"][3]) for g in gt]
    g_ignore = np.array([1 if (g.get("iscrowd", 0) or not AREA_ALL[0] <= a <= AREA_ALL[1]) else 0
                         for g, a in zip(gt, g_area, strict=True)], dtype=int)
    g_order = np.argsort(g_ignore, kind="mergesort")
    gt = [gt[i] for i in g_order]
    g_ignore = g_ignore[g_order]
    crowd = np.array([bool(g.get("iscrowd", 0)) for g in gt], dtype=bool)
    d_order = np.argsort([-d["score"] for d in dt], kind="mergesort")[:MAX_DETECTIONS]
    dt = [dt[i] for i in d_order]
    ious = box_iou(np.array([d["bbox"] for d in dt], dtype=float).reshape(-1, 4),
                   np.array([g["bbox"] for g in gt], dtype=float).reshape(-1, 4), crowd)
    T, D, G = len(IOU_THRESHOLDS), len(dt), len(gt)
    gt_matched = np.zeros((T, G), dtype=bool)
    dt_matched = np.zeros((T, D), dtype=bool)
    dt_ignore = np.zeros((T, D), dtype=bool)
    for t, threshold in enumerate(IOU_THRESHOLDS):
        for d in range(D):
            best_iou = min(threshold, 1 - 1e-10)
            match = -1
            for g in range(G):
                if gt_matched[t, g] and not crowd[g]:
                    continue
                if match > -1 and g_ignore[match] == 0 and g_ignore[g] == 1:
                    break
                if ious[d, g] < best_iou:
                    continue
                best_iou, match = ious[d, g], g
            if match == -1:
                continue
            dt_ignore[t, d] = bool(g_ignore[match])
            dt_matched[t, d] = True
            gt_matched[t, match] = True
    areas = np.array([d["bbox"][2] * d["bbox"][3] for d in dt], dtype=float)
    outside = (areas < AREA_ALL[0]) | (areas > AREA_ALL[1])
    dt_ignore |= ~dt_matched & outside[None, :]
    return {"scores": np.array([d["score"] for d in dt], dtype=float), "matched": dt_matched,
            "ignore": dt_ignore, "gt_ignore": g_ignore}


def _category_precision(evals: list[dict]) -> np.ndarray | None:
    """Precision at each threshold and recall point for one category (None: no ground truth)."""
    gt_ignore = np.concatenate([e["gt_ignore"] for e in evals]) if evals else np.zeros(0)
    positives = int(np.count_nonzero(gt_ignore == 0))
    if positives == 0:
        return None
    scores = np.concatenate([e["scores"] for e in evals])
    order = np.argsort(-scores, kind="mergesort")
    matched = np.concatenate([e["matched"] for e in evals], axis=1)[:, order]
    ignore = np.concatenate([e["ignore"] for e in evals], axis=1)[:, order]
    tps = np.cumsum(matched & ~ignore, axis=1, dtype=float)
    fps = np.cumsum(~matched & ~ignore, axis=1, dtype=float)
    out = np.zeros((len(IOU_THRESHOLDS), len(RECALL_POINTS)))
    for t in range(len(IOU_THRESHOLDS)):
        tp, fp = tps[t], fps[t]
        recall = tp / positives
        precision = tp / (tp + fp + np.spacing(1))
        precision = np.maximum.accumulate(precision[::-1])[::-1] if len(precision) else precision
        idx = np.searchsorted(recall, RECALL_POINTS, side="left")
        valid = idx < len(precision)
        out[t, valid] = precision[idx[valid]]
    return out


def numpy_map(annotations: dict, detections: list[dict], image_ids: set[int]) -> float:
    """mAP (a fraction, like pycocotools' stats[0]) of `detections` on the images `image_ids`."""
    gts: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for ann in annotations["annotations"]:
        if ann.get("image_id") in image_ids:
            gts[(ann["image_id"], ann["category_id"])].append(ann)
    dts: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for det in detections:
        dts[(det["image_id"], det["category_id"])].append(det)
    images = [img["id"] for img in annotations["images"] if img["id"] in image_ids]
    per_category = []
    for cat in sorted({c["id"] for c in annotations["categories"]}):
        evals = [e for e in (_evaluate_image(dts.get((img, cat), []), gts.get((img, cat), [])) for img in images)
                 if e is not None]
        precision = _category_precision(evals)
        if precision is not None:
            per_category.append(precision)
    return float(np.mean(per_category)) if per_category else -1.0


def pycocotools_map(annotations: dict, detections: list[dict], image_ids: set[int]) -> float:
    """The same number through pycocotools (ImportError when it is not installed)."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = annotations
        gt.createIndex()
        dt = gt.loadRes(detections) if detections else COCO()
        evaluator = COCOeval(gt, dt, iouType="bbox")
        evaluator.params.imgIds = sorted(image_ids)
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return float(evaluator.stats[0])


def evaluate_map(annotations: dict, detections: list[dict], image_ids: set[int]) -> tuple[float, str]:
    """mAP and the implementation used (`pycocotools` when installed, else `numpy`)."""
    try:
        return pycocotools_map(annotations, detections, image_ids), "pycocotools"
    except ImportError:
        return numpy_map(annotations, detections, image_ids), "numpy"
