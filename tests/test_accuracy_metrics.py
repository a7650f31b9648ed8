"""Re-scoring functions on tiny synthetic logs and reference data (no real data set)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from checker.accuracy import coco
from checker.accuracy.decode import class_id_dtype, integer_dtype
from checker.accuracy.metrics.dlrm import roc_auc
from checker.accuracy.metrics.whisper import ALPHABET, concatenation_aware_errors, plain_normalise
from checker.accuracy.reference import ReferenceData, coco_annotations
from checker.accuracy.registry import Value, spec_for
from checker.accuracy.rescore import agrees, printed_slack, rescore_log
from checker.accuracy.spotcheck import binomial_p, hypergeometric_p, spot_check
from checker.parsers.accuracy_log import entries_in, scan_accuracy_log
from tests.accdata import log_text, payload, resnet_log, truncate_log, val_map, write_json, write_log

LABELS = [(7 * i + 3) % 1000 for i in range(20)]


def rescore(benchmark: str, tmp_path: Path, text: str, ref: Path | None, size: int | None = None):
    log = write_log(tmp_path / "log.json", text)
    return rescore_log(spec_for(benchmark), log, ReferenceData(ref), size)


# ---------------------------------------------------------------- dtype inference

@pytest.mark.parametrize("dtype", ["int32", "int64", "float32"])
def test_class_ids_are_decoded_whatever_the_element_type(dtype):
    samples = [bytes.fromhex(payload([v], dtype)) for v in (0, 1, 999, 65)]
    assert class_id_dtype(samples, 1001).name == dtype


def test_token_count_gives_the_exact_width():
    data = bytes.fromhex(payload([5, 6, 7], "int64"))
    assert integer_dtype([data], 32000, [3]).name == "int64"
    assert integer_dtype([data], 32000, [6]).name == "int32"


def test_widest_valid_integer_type_wins_without_token_count():
    assert integer_dtype([bytes.fromhex(payload([5, 31999], "int64"))], 32000).name == "int64"
    assert integer_dtype([bytes.fromhex(payload([5, 31999], "int32"))], 32000).name == "int32"
    assert integer_dtype([bytes.fromhex(payload([3, 44, 0], "int8"))], 45).name == "int8"
    assert integer_dtype([bytes.fromhex(payload([40000], "int32"))], 32000) is None


# ---------------------------------------------------------------- resnet

@pytest.mark.parametrize("dtype", ["int32", "float32", "int64"])
def test_resnet_top1_with_wrong_answers_and_a_duplicate(tmp_path, dtype):
    val_map(tmp_path / "ref", LABELS)
    out = rescore("resnet", tmp_path, resnet_log(LABELS, wrong=3, dtype=dtype), tmp_path / "ref")
    assert out.values["acc"].value == pytest.approx(85.0)
    assert out.dtype == dtype
    assert (out.entries, out.unique, out.out_of_range) == (21, 20, 0)


def test_resnet_index_past_the_data_set_is_counted_not_scored(tmp_path):
    val_map(tmp_path / "ref", LABELS)
    text = log_text([(0, payload([LABELS[0]], "int32")), (25, payload([1], "int32"))])
    out = rescore("resnet", tmp_path, text, tmp_path / "ref", size=20)
    assert out.values["acc"].value == 100.0 and out.out_of_range == 1


def test_missing_reference_data_says_why(tmp_path):
    out = rescore("resnet", tmp_path, resnet_log(LABELS, wrong=0), None)
    assert out.skipped == {"acc": "no --reference-data folder was given"} and out.entries == 21
    out = rescore("resnet", tmp_path, resnet_log(LABELS, wrong=0), tmp_path)
    assert "imagenet/val_map.txt" in out.skipped["acc"]


def test_unusable_reference_file_is_a_reason_not_a_crash(tmp_path):
    bad = tmp_path / "ref" / "imagenet" / "val_map.txt"
    bad.parent.mkdir(parents=True)
    bad.write_text("only-a-name\n")
    out = rescore("resnet", tmp_path, resnet_log(LABELS, wrong=0), tmp_path / "ref")
    assert "unusable" in out.skipped["acc"]


def test_empty_log_holds_no_entry(tmp_path):
    val_map(tmp_path / "ref", LABELS)
    out = rescore("resnet", tmp_path, "[\n]\n", tmp_path / "ref")
    assert out.skipped["acc"] == "the log holds no entry" and out.entries == 0


# ---------------------------------------------------------------- retinanet / yolo

def _coco_ref(root: Path, name: str = "coco/instances_val2017.json", cat_ids=(1, 2)) -> Path:
    images = [{"id": 100 + i, "width": 100, "height": 50, "file_name": f"{i}.jpg"} for i in range(3)]
    boxes = [(0, cat_ids[0], [10, 5, 20, 10]), (0, cat_ids[1], [50, 20, 30, 20]), (1, cat_ids[0], [0, 0, 50, 25]),
             (2, cat_ids[1], [60, 10, 20, 20])]
    anns = [{"id": j + 1, "image_id": 100 + i, "category_id": c, "bbox": b, "area": b[2] * b[3], "iscrowd": 0}
            for j, (i, c, b) in enumerate(boxes)]
    data = {"images": images, "annotations": anns, "categories": [{"id": c, "name": str(c)} for c in cat_ids]}
    write_json(root / name, data)
    return root


def _detections(ref: dict, label_shift: int = 0, drop_image: int | None = None, wrong_index: bool = False) -> str:
    images = {img["id"]: (i, img) for i, img in enumerate(ref["images"])}
    per_image: dict[int, list[float]] = {i: [] for i in range(len(ref["images"]))}
    for ann in ref["annotations"]:
        idx, img = images[ann["image_id"]]
        x, y, w, h = ann["bbox"]
        W, H = img["width"], img["height"]
        per_image[idx] += [idx + (1 if wrong_index else 0), y / H, x / W, (y + h) / H, (x + w) / W, 0.9,
                           ann["category_id"] + label_shift]
    return log_text([(i, "" if i == drop_image else payload(v, "float32")) for i, v in per_image.items()])


@pytest.mark.parametrize("benchmark,name", [("yolo-99", "coco/instances_val2017.json"),
                                            ("retinanet", "openimages/openimages-mlperf.json")])
def test_detections_equal_to_ground_truth_give_100(tmp_path, benchmark, name):
    ref = _coco_ref(tmp_path / "ref", name)
    data = coco_annotations.__wrapped__(ref / name)
    out = rescore(benchmark, tmp_path, _detections(data), ref)
    assert out.values["mAP"].value == pytest.approx(100.0)


def test_detection_cases(tmp_path):
    ref = _coco_ref(tmp_path / "ref", cat_ids=(3, 7))
    data = coco_annotations.__wrapped__(ref / "coco/instances_val2017.json")
    wrong_class = rescore("yolo-95", tmp_path, _detections(data, label_shift=1), ref)
    assert wrong_class.values["mAP"].value == pytest.approx(0.0)
    no_result = rescore("yolo-95", tmp_path, _detections(data, drop_image=2), ref)
    assert 0.0 < no_result.values["mAP"].value < 100.0
    disagree = rescore("yolo-95", tmp_path, _detections(data, wrong_index=True), ref)
    assert disagree.values["mAP"].value == pytest.approx(100.0)
    assert any("image index" in p for p in disagree.problems)


def test_numpy_map_matches_pycocotools_when_installed(tmp_path):
    pytest.importorskip("pycocotools")
    rng = np.random.default_rng(3)
    ref = coco_annotations.__wrapped__(_coco_ref(tmp_path) / "coco/instances_val2017.json")
    dets = [{"image_id": 100 + int(rng.integers(3)), "category_id": int(rng.integers(1, 3)),
             "bbox": [float(v) for v in rng.uniform(0, 40, 4)], "score": float(rng.uniform())} for _ in range(30)]
    ids = {100, 101, 102}
    assert coco.numpy_map(ref, dets, ids) == pytest.approx(coco.pycocotools_map(ref, dets, ids), abs=1e-9)


def test_crowd_ground_truth_is_ignored_by_numpy_map():
    ann = {"images": [{"id": 1, "width": 10, "height": 10}],
           "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "area": 25, "iscrowd": 0},
                           {"id": 2, "image_id": 1, "category_id": 1, "bbox": [5, 5, 5, 5], "area": 25, "iscrowd": 1}],
           "categories": [{"id": 1}]}
    dets = [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "score": 0.9},
            {"image_id": 1, "category_id": 1, "bbox": [5, 5, 5, 5], "score": 0.8}]
    assert coco.numpy_map(ann, dets, {1}) == pytest.approx(1.0)


# ---------------------------------------------------------------- dlrm-v2

def test_auc_with_ties_is_the_rank_statistic():
    scores = np.array([0.1, 0.4, 0.35, 0.8, 0.4])
    labels = np.array([0, 0, 1, 1, 1])
    # positive-negative pairs: (0.35>0.1), (0.35<0.4), (0.8>both), (0.4>0.1), (0.4=0.4 -> 1/2) -> 4.5/6
    assert roc_auc(scores, labels) == pytest.approx(4.5 / 6)
    assert roc_auc(scores, np.zeros(5)) is None


def test_dlrm_auc_from_pairs_and_predictions_only(tmp_path):
    pairs = [[0.9, 1, 0.2, 0, 0.7, 1], [0.3, 0, 0.6, 1, 0.1, 0, 0.4, 0], [0.8, 1, 0.5, 0, 0.55, 1],
             [0.05, 0, 0.95, 1, 0.2, 1, 0.3, 0, 0.1, 0]]
    text = log_text([(i, payload(v, "float32")) for i, v in enumerate(pairs)])
    out = rescore("dlrm-v2-99", tmp_path, text, None)
    flat = np.array([x for v in pairs for x in v])
    assert out.values["AUC"].value == pytest.approx(100 * roc_auc(flat[0::2], flat[1::2]))
    predictions_only = log_text([(i, payload([0.3, 0.6, 0.2, 0.9], "float32")) for i in range(3)])
    assert "predictions only" in rescore("dlrm-v2-99", tmp_path, predictions_only, None).skipped["AUC"]


# ---------------------------------------------------------------- whisper

def _manifest(root: Path, transcripts: list[str]) -> Path:
    write_json(root / "librispeech" / "dev-all-repack.json",
               [{"transcript": t, "files": [{"fname": f"{i}.wav", "speed": 1.0}], "original_duration": 5.0}
                for i, t in enumerate(transcripts)])
    return root


def _chars(text: str, dtype: str) -> str:
    return payload([ALPHABET.index(c) for c in text], dtype)


TEXTS = ["the cat sat on the mat today in the sun", "a quick brown fox", "something is here"]


@pytest.mark.parametrize("dtype", ["int64", "int8"])
def test_whisper_exact_match_and_one_substitution(tmp_path, dtype):
    ref = _manifest(tmp_path / "ref", TEXTS)
    exact = rescore("whisper", tmp_path, log_text([(i, _chars(t, dtype)) for i, t in enumerate(TEXTS)]), ref)
    assert exact.values["ACCURACY"].value == pytest.approx(100.0) and exact.dtype == dtype
    hyps = ["the cat sat on the hat today in the sun", TEXTS[1], TEXTS[2]]
    one = rescore("whisper", tmp_path, log_text([(i, _chars(t, dtype)) for i, t in enumerate(hyps)]), ref)
    assert one.values["ACCURACY"].value == pytest.approx(100 * (1 - 1 / 17))


def test_whisper_counts_concatenations_as_matches_and_repeats_twice(tmp_path):
    assert concatenation_aware_errors("some thing is here".split(), "something is here".split()) == 0
    assert concatenation_aware_errors("something".split(), "some thing".split()) == 0
    assert concatenation_aware_errors("a b c".split(), "a x c".split()) == 1
    ref = _manifest(tmp_path / "ref", TEXTS)
    text = log_text([(2, _chars("some thing is here", "int64")), (1, _chars("a quick brown box", "int64")),
                     (1, _chars("a quick brown box", "int64"))])
    out = rescore("whisper", tmp_path, text, ref)
    assert out.values["ACCURACY"].value == pytest.approx(100 * (1 - 2 / 11))


def test_plain_normaliser():
    assert plain_normalise("  Hello, WORLD -- it's 'me' ") == "hello world it's me"


# ---------------------------------------------------------------- LLM lengths

def test_tokens_per_sample_with_token_count_and_without(tmp_path):
    lengths = [3, 5, 4]
    with_count = log_text([(i, payload(list(range(10, 10 + n)), "int32"), n) for i, n in enumerate(lengths)])
    out = rescore("llama2-70b-99", tmp_path, with_count, None)
    assert out.values["TOKENS_PER_SAMPLE"].value == pytest.approx(4.0) and out.dtype == "int32"
    wide = log_text([(i, payload(list(range(10, 10 + n)), "int64")) for i, n in enumerate(lengths + [6])])
    out = rescore("llama2-70b-99", tmp_path, wide, None)
    assert out.values["TOKENS_PER_SAMPLE"].value == pytest.approx(4.5) and out.dtype == "int64"


def test_mixtral_counts_duplicates_in_gen_num(tmp_path):
    text = log_text([(0, payload([1, 2, 3, 4], "int32"), 4), (1, payload([1, 2], "int32"), 2),
                     (1, payload([1, 2], "int32"), 2)])
    assert rescore("mixtral-8x7b", tmp_path, text, None).values["TOKENS_PER_SAMPLE"].value == pytest.approx(2.0)
    assert rescore("llama3.1-405b", tmp_path, text, None).values["TOKENS_PER_SAMPLE"].value == pytest.approx(3.0)


# ---------------------------------------------------------------- integrity, comparison, spot check

def test_truncation_and_hash_round_trip(tmp_path):
    full = resnet_log([i % 1000 for i in range(400)], wrong=0)
    assert len(full) > 10_000
    published = truncate_log(full)
    assert len(published) == 8199
    info = scan_accuracy_log(write_log(tmp_path / "p.json", published)).value
    assert info.truncated and info.shape_ok
    assert hashlib.sha256(full.encode()).hexdigest() == scan_accuracy_log(write_log(tmp_path / "f.json", full)).value.sha256
    small = resnet_log(LABELS[:5], wrong=0)
    assert truncate_log(small) == small
    empty = scan_accuracy_log(write_log(tmp_path / "e.json", "[\n]\n")).value
    assert empty.empty and empty.sha256.startswith("3fbbd4c6") and empty.sha256.endswith("750865")
    visible = entries_in(info.head) + entries_in(info.tail)
    assert 40 < len(visible) < 200 and all(e.data for e in visible)


def test_printed_precision_tolerance():
    assert printed_slack("76.064") == pytest.approx(0.0005)
    assert agrees("85.000", Value(85.0004), 0.0)
    assert not agrees("85.000", Value(85.001), 0.0)
    assert agrees("283.0", Value(282.96), 0.0)
    assert not agrees("abc", Value(1.0), 0.0)


def test_spot_check_statistics():
    assert hypergeometric_p(108, 142, 380, 500) > 0.5
    assert hypergeometric_p(30, 142, 380, 500) < 1e-20
    assert binomial_p(50, 100, 0.5) == pytest.approx(1.0)
    assert binomial_p(0, 100, 0.76) < 1e-50
    assert not spot_check(108, 142, 76.0, 380, 500).implausible
    assert spot_check(10, 142, 76.0).implausible
    assert "binomial" in spot_check(100, 142, 76.0, 600, 500).test
