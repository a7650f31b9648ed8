"""The named valid sample submissions committed in `sample_submissions/` (broken ones: `variants`)."""

from __future__ import annotations

from checker.samplegen.specs import ResultSpec, SubmissionSpec, SystemSpec


def closed_v51() -> SubmissionSpec:
    """v5.1, layout v5: one datacenter(+edge) system with resnet and llama2-70b-99.

    In v5.1 resnet has no datacenter-only entry, so the system is `datacenter,edge`, which requires
    all four resnet scenarios; llama2-70b-99 needs Offline and one of Server/Interactive.
    """
    return SubmissionSpec(round="v5.1", division="closed", submitter="Acme", systems=[SystemSpec(
        name="acme_x8_dc", system_type="datacenter,edge", results=[
            ResultSpec("resnet50", "SingleStream", performance=0.312),
            ResultSpec("resnet50", "MultiStream", performance=0.611),
            ResultSpec("resnet50", "Offline", performance=91034.7),
            ResultSpec("resnet50", "Server", performance=85012.3),
            ResultSpec("llama2-70b-99", "Offline", performance=31877.2),
            ResultSpec("llama2-70b-99", "Server", performance=29411.6)])])


def closed_v60() -> SubmissionSpec:
    """v6.0, layout v6: an edge system with resnet and a datacenter system with llama3.1-8b."""
    return SubmissionSpec(round="v6.0", division="closed", submitter="Acme", systems=[
        SystemSpec(name="acme_e1_edge", system_type="edge", results=[
            ResultSpec("resnet50", "SingleStream", performance=0.284),
            ResultSpec("resnet50", "MultiStream", performance=1.903),
            ResultSpec("resnet50", "Offline", performance=4630.12)]),
        SystemSpec(name="acme_x8_dc", system_type="datacenter", results=[
            ResultSpec("llama3.1-8b", "Offline", performance=21408.5),
            ResultSpec("llama3.1-8b", "Server", performance=19876.3),
            ResultSpec("llama3.1-8b", "Interactive", performance=14210.9)])])


def open_v60() -> SubmissionSpec:
    """v6.0 open division: a pruned resnet under its own name, mapped through model_mapping.json."""
    changes = {"weight_transformations": "pruning (50% unstructured sparsity), quantization",
               "retraining": "Yes, fine-tuned for 3 epochs after pruning", "weight_data_types": "int8",
               "starting_weights_filename": "resnet50_v1.onnx"}
    return SubmissionSpec(round="v6.0", division="open", submitter="Acme", model_mapping={"resnet50-pruned": "resnet"},
                          systems=[SystemSpec(name="acme_e1_edge", system_type="edge", results=[
                              ResultSpec("resnet50-pruned", "SingleStream", performance=0.171, measurements=changes,
                                         accuracy={"acc": 75.012}),
                              ResultSpec("resnet50-pruned", "Offline", performance=8120.4, measurements=changes,
                                         accuracy={"acc": 75.012})])])


VALID = {"closed-v5.1": closed_v51, "closed-v6.0": closed_v60, "open-v6.0": open_v60}
