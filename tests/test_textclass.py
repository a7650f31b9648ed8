"""Free-text classification of the implementation description (checker/textclass.py).

The REAL_* tables hold every distinct value that the real published submissions in
`../shared/real/*` write in these fields, with the class a reviewer would give it;
`test_tables_cover_every_real_value` fails when a real tree holds a value the tables lack.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.context import FileCache, Options, ResultContext
from checker.discovery import discover
from checker.rulebook import load_rulebook
from checker.textclass import (Answer, Verdict, as_text, classify_retraining, classify_transformations,
                               is_placeholder, names_reference_weights, parse_data_types)

# --------------------------------------------------------------------------- every real value

REAL_RETRAINING = {"No": Answer.NO, "no": Answer.NO, "yes": Answer.YES}

REAL_TRANSFORMATIONS = {
    "None": (Verdict.ALLOWED, ("none",)),
    "no": (Verdict.ALLOWED, ("none",)),
    "none": (Verdict.ALLOWED, ("none",)),
    "PyTorch -> ONNX": (Verdict.ALLOWED, ("format conversion",)),
    "TF -> ONNX": (Verdict.ALLOWED, ("format conversion",)),
    "affine fusion": (Verdict.ALLOWED, ("affine fusion",)),
    "fp8 quantization (dynamic)": (Verdict.ALLOWED, ("quantization",)),
    "quantization": (Verdict.ALLOWED, ("quantization",)),
    "quantization, affine fusion": (Verdict.ALLOWED, ("quantization", "affine fusion")),
    "quantized": (Verdict.ALLOWED, ("quantization",)),
    "UNSET": (Verdict.UNCLEAR, ()),
    "see closed/UntetherAI/calibration.md": (Verdict.UNCLEAR, ()),
}

# value -> canonical formats; () means the value names no format (unknown)
REAL_WEIGHT_TYPES = {
    "UNSET": (),
    "bf16": ("bf16",),
    "bfloat16": ("bf16",),
    "clip1:fp32,clip2:fp32,unet:fp8,vae:fp32": ("fp32", "fp8"),
    "float8": ("fp8",),
    "fp16": ("fp16",),
    "fp32": ("fp32",),
    "fp4": ("fp4",),
    "fp8": ("fp8",),
    "fp8,fp16,int8": ("fp8", "fp16", "int8"),
    "int8": ("int8",),
    "mxfp4": ("mxfp4",),
}
REAL_INPUT_TYPES = {
    "UNSET": (),
    "bfloat16": ("bf16",),
    "float8": ("fp8",),
    "fp16": ("fp16",),
    "fp32": ("fp32",),
    "int32": ("int32",),
    "int8": ("int8",),
}

# (value, benchmark, round) -> recognised as the benchmark's reference weights
REAL_WEIGHTS = {
    ("224_224_160_dyanmic_bs.onnx", "3d-unet-99", "v4.1"): True,
    ("model_weights", "dlrm-v2-99.9", "v4.1"): True,
    ("Original Hugginface model weights", "llama2-70b-99", "v4.1"): True,
    ("Original Huggingface model weights", "mixtral-8x7b", "v5.1"): True,
    ("https://huggingface.co/meta-llama/Llama-2-70b-chat-hf", "llama2-70b-99.9", "v4.1"): True,
    ("https://zenodo.org/record/4735647/files/resnet50_v1.onnx", "resnet", "v4.1"): True,
    ("https://armi.in/files/resnet50_v1.onnx", "resnet", "v6.0"): True,
    ("https://armi.in/files/resnet50_v1_op11/resnet50_v1.onnx", "resnet", "v5.0"): True,
    ("https://zenodo.org/record/2535873/files/resnet50_v1.pb", "resnet", "v5.0"): True,
    ("Hugginface model weights hosted by MLCommons", "stable-diffusion-xl", "v5.1"): True,
    ("Huggingface model weights hosted by MLCommons", "stable-diffusion-xl", "v5.1"): True,
    ("Hugging Face checkpoint: stabilityai/stable-diffusion-xl-base-1.0", "stable-diffusion-xl", "v4.1"): True,
    ("https://huggingface.co/stabilityai/stable-diffusion-xl-base-1.0", "stable-diffusion-xl", "v4.1"): True,
    ("https://github.com/mlcommons/inference/tree/master/text_to_image#download-model", "stable-diffusion-xl",
     "v5.0"): True,
    ("https://zenodo.org/record/3733910/files/model.onnx", "bert-99", "v4.1"): True,
    ("https://zenodo.org/record/3750364/files/bert_large_v1_1_fake_quant.onnx", "bert-99", "v4.1"): True,
    ("https://huggingface.co/mistralai/Mixtral-8x7B-Instruct-v0.1", "mixtral-8x7b", "v5.0"): True,
    ("resnext50_32x4d_fpn.onnx", "retinanet", "v5.0"): True,
    ("resnext50_32x4d_fpn.pth", "retinanet", "v5.0"): True,
    ("https://github.com/mlcommons/inference/tree/master/graph/R-GAT#download-model-using-rclone", "rgat",
     "v5.0"): True,
    ("https://huggingface.co/Wan-AI/Wan2.2-T2V-A14B-Diffusers", "wan-2.2-t2v-a14b", "v6.0"): True,
    ("Original Huggingface model weights", "gpt-oss-120b", "v6.0"): True,
    ("Original Huggingface model weights", "whisper", "v5.1"): True,
    # not the reference weights (open results compared with another benchmark, or placeholders)
    ("https://huggingface.co/meta-llama/Llama-3.1-70B-Instruct", "llama2-70b-99.9", "v6.0"): False,
    ("https://github.com/mlcommons/inference_results_v2.1/raw/master/open/NeuralMagic/code/bert/deepsparse/models/"
     "oBERT-Large_95sparse_block4_qat.onnx.tar.xz", "bert-99", "v5.0"): False,
    ("TBD", "yolo-95", "v6.0"): False,
    ("UNSET", "llama2-70b-99.9", "v5.1"): False,
}


@pytest.mark.parametrize("value,expected", REAL_RETRAINING.items())
def test_real_retraining(value: str, expected: Answer) -> None:
    assert classify_retraining(value) is expected


@pytest.mark.parametrize("value,expected", REAL_TRANSFORMATIONS.items())
def test_real_transformations(value: str, expected: tuple[Verdict, tuple[str, ...]]) -> None:
    reading = classify_transformations(value)
    assert (reading.verdict, reading.kinds) == expected
    assert not reading.forbidden


@pytest.mark.parametrize("value,expected", [*REAL_WEIGHT_TYPES.items(), *REAL_INPUT_TYPES.items()])
def test_real_data_types(value: str, expected: tuple[str, ...]) -> None:
    types = parse_data_types(value)
    assert types.formats == expected
    assert bool(types.unknown) == (not expected)


@pytest.mark.parametrize("key,expected", REAL_WEIGHTS.items(), ids=lambda x: str(x)[:60])
def test_real_starting_weights(key: tuple[str, str, str], expected: bool) -> None:
    value, benchmark, round_ = key
    assert names_reference_weights(value, load_rulebook(round_).benchmarks[benchmark].reference_weights) is expected


TREES = {"v4.1": "v4.1", "v5.1": "v5.1", "v6.0": "v6.0", "v5.0-test-runs": "v5.0"}


def _real_values(real: Path) -> dict[str, set[str]]:
    """Every distinct value of the classified fields in the real trees' implementation descriptions."""
    values: dict[str, set[str]] = {}
    for tree, round_ in TREES.items():
        submission = discover(real / tree)
        rulebook = load_rulebook(round_)
        for unit in submission.results:
            ctx = ResultContext(submission=submission, rulebook=rulebook, options=Options(), cache=FileCache(),
                                unit=unit)
            for field, value in (ctx.measurements or {}).items():
                values.setdefault(field, set()).add(value)
    return values


def test_tables_cover_every_real_value(real: Path) -> None:
    values = _real_values(real)
    assert values["retraining"] == set(REAL_RETRAINING)
    assert values["weight_transformations"] == set(REAL_TRANSFORMATIONS)
    assert values["weight_data_types"] == set(REAL_WEIGHT_TYPES)
    assert values["input_data_types"] == set(REAL_INPUT_TYPES)
    assert values["starting_weights_filename"] == {v for v, _, _ in REAL_WEIGHTS}


# --------------------------------------------------------------------------- other spellings

@pytest.mark.parametrize("value,expected", [
    ("We don't retrain the model weight.", Answer.NO),
    ("The model weights were not retrained", Answer.NO),
    ("No retraining", Answer.NO),
    ("retraining: no", Answer.NO),
    ("N/A", Answer.NO),
    (False, Answer.NO),
    ("NO.", Answer.NO),
    ("Yes", Answer.YES),
    (True, Answer.YES),
    ("fine-tuned on SQuAD for 2 epochs", Answer.YES),
    ("No, but QAT was used", Answer.YES),
    ("retrained from scratch", Answer.YES),
    ("distilled from the reference model", Answer.YES),
    ("UNSET", Answer.UNCLEAR),
    ("TBD", Answer.UNCLEAR),
    ("see README", Answer.UNCLEAR),
    ("", Answer.UNCLEAR),
    (None, Answer.UNCLEAR),
])
def test_retraining_spellings(value: object, expected: Answer) -> None:
    assert classify_retraining(value) is expected


@pytest.mark.parametrize("value,verdict,names", [
    ("2:4 structured sparsity", Verdict.FORBIDDEN, ("sparsity",)),
    ("pruning (50% unstructured sparsity), quantization", Verdict.FORBIDDEN, ("pruning",)),
    ("distilled from the reference", Verdict.FORBIDDEN, ("distillation",)),
    ("quantization-aware training", Verdict.FORBIDDEN, ("quantization-aware training",)),
    ("QAT int8", Verdict.FORBIDDEN, ("quantization-aware training",)),
    ("fine-tuned after quantization", Verdict.FORBIDDEN, ("fine-tuning",)),
    ("retrained", Verdict.FORBIDDEN, ("retraining",)),
    ("removed the last 4 layers", Verdict.FORBIDDEN, ("architecture change",)),
    ("LoRA adapters merged", Verdict.FORBIDDEN, ("architecture change",)),
    ("weight replacement", Verdict.FORBIDDEN, ("weight replacement",)),
    ("quantization (no retraining)", Verdict.ALLOWED, ("quantization",)),
    ("no pruning", Verdict.ALLOWED, ("none",)),
    ("post-training quantization with calibration", Verdict.ALLOWED, ("quantization",)),
    ("mathematically equivalent sparse operations", Verdict.ALLOWED, ("equivalent transformation",)),
    ("BN folding and NHWC layout", Verdict.ALLOWED, ("affine fusion", "layout change")),
    ("Yes", Verdict.UNCLEAR, ("yes",)),
    ("custom", Verdict.UNCLEAR, ("custom",)),
    ("", Verdict.UNCLEAR, ("(empty)",)),
])
def test_transformation_spellings(value: str, verdict: Verdict, names: tuple[str, ...]) -> None:
    reading = classify_transformations(value)
    assert reading.verdict is verdict
    shown = {Verdict.FORBIDDEN: reading.forbidden, Verdict.ALLOWED: reading.kinds, Verdict.UNCLEAR: reading.unclear}
    assert shown[verdict] == names


@pytest.mark.parametrize("value,formats,unknown", [
    ("FP8 (E4M3)", ("fp8", "e4m3"), ()),
    ("int 8", ("int8",), ()),
    ("8-bit integer", ("int8",), ()),
    ("half", ("fp16",), ()),
    ("Float-16 / BFloat16", ("fp16", "bf16"), ()),
    ("nvfp4 and fp8", ("nvfp4", "fp8"), ()),
    ("W4A16", ("w4a16",), ()),
    (["int8", "fp16"], ("int8", "fp16"), ()),
    ("int8, mixed", ("int8",), ("mixed",)),
    ("quantized", (), ("quantized",)),
    (None, (), ("(empty)",)),
])
def test_data_type_spellings(value: object, formats: tuple[str, ...], unknown: tuple[str, ...]) -> None:
    assert parse_data_types(value).formats == formats
    assert parse_data_types(value).unknown == unknown


@pytest.mark.parametrize("value,expected", [("UNSET", True), ("tbd", True), (" Unknown ", True), ("no", False),
                                            ("", False), (None, False), ("fp8", False)])
def test_placeholders(value: object, expected: bool) -> None:
    assert is_placeholder(value) is expected


def test_any_json_value_is_read_as_text() -> None:
    assert as_text(["Int8", None, 3]) == "int8, 3"
    assert as_text({"a": 1}) == "{'a': 1}"
    assert classify_transformations({"unexpected": "object"}).verdict is Verdict.UNCLEAR
    assert not names_reference_weights("", ["resnet50_v1.onnx"])
    assert not names_reference_weights("anything", [])
