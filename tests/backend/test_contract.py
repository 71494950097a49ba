"""The contract between the API and the worker (``worker.contract``) is the only copy of its rules.

Each side is checked against the contract, and both sides against each other on the same inputs:
a hyperparameter value or a dataset line is accepted by the API exactly when the worker accepts
it. A source scan fails when code outside the contract spells out one of its vocabularies again.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import pytest

from backend.datasets.validation import validate_jsonl
from backend.jobs.models import ErrorCategory, Stage
from backend.jobs.models.job import Preset
from backend.jobs.serializers import HyperparametersSerializer, JobCreateSerializer
from backend.telemetry.models import EventType
from backend.workerapi.serializers import (
    FailRequestSerializer,
    MetricPointInSerializer,
    StageRequestSerializer,
)
from tests.factories import DatasetFactory
from worker.contract import names
from worker.contract.hyperparameters import (
    DEFAULTS,
    FIELDS,
    HYPERPARAMETER_PRESETS,
    RESUME_LOCKED_FIELDS,
    bounds_table,
    resolve_hyperparameters,
)
from worker.contract.records import ROLES
from worker.training.config import TrainingConfig
from worker.training.data import DatasetError, load_records

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def dataset(owner: Any) -> Any:
    return DatasetFactory(
        uploaded_by=owner, num_examples=100, total_chars=20_000, trainable_chars=10_000
    )


def _api_accepts(name: str, value: Any) -> bool:
    serializer = HyperparametersSerializer(data={name: value})
    return serializer.is_valid()


def _worker_accepts(name: str, value: Any) -> bool:
    try:
        TrainingConfig.from_dict({name: value})
    except ValueError:
        return False
    return True


# --- vocabularies -------------------------------------------------------------------------


def test_django_choices_are_the_contract_vocabularies() -> None:
    assert tuple(Stage.values) == names.STAGES
    assert tuple(ErrorCategory.values) == names.FAILURE_CATEGORIES
    assert tuple(EventType.values) == names.EVENT_TYPES
    assert tuple(Preset.values) == tuple(HYPERPARAMETER_PRESETS)


def test_worker_api_accepts_exactly_the_contract_values() -> None:
    fields = StageRequestSerializer().fields
    assert tuple(fields["stage"].choices) == names.STAGES
    assert tuple(fields["state"].choices) == names.STAGE_STATES
    category = FailRequestSerializer().fields["category"]
    assert tuple(category.choices) == names.WORKER_FAILURE_CATEGORIES
    assert names.WORKER_LOST not in names.WORKER_FAILURE_CATEGORIES
    point_fields = set(MetricPointInSerializer().fields) - {"step"}
    assert point_fields == set(names.METRIC_VALUE_FIELDS)


def test_worker_reports_with_the_contract_vocabularies() -> None:
    from worker.training.errors import FAILURE_CATEGORIES
    from worker.training.reporting import MetricSample

    assert FAILURE_CATEGORIES == names.WORKER_FAILURE_CATEGORIES
    point_fields = [f.name for f in dataclasses.fields(MetricSample)]
    assert tuple(point_fields[1:]) == names.METRIC_VALUE_FIELDS


# --- hyperparameters ----------------------------------------------------------------------


def test_api_serializer_and_worker_config_have_the_contract_fields_and_defaults() -> None:
    api = HyperparametersSerializer().fields
    assert list(api) == [f.name for f in FIELDS]
    for spec in FIELDS:
        if spec.kind in ("int", "float"):
            assert (api[spec.name].min_value, api[spec.name].max_value) == (
                spec.minimum,
                spec.maximum,
            ), spec.name
            assert spec.minimum is not None and spec.maximum is not None, spec.name
    config = TrainingConfig()
    worker_defaults = {k: v for k, v in config.to_dict().items() if k != "base_model"}
    assert worker_defaults == DEFAULTS
    assert set(RESUME_LOCKED_FIELDS) <= {f.name for f in dataclasses.fields(TrainingConfig)}


def _probes(spec: Any) -> list[Any]:
    if spec.kind == "choice":
        return [*spec.choices, "step", ""]
    if spec.kind == "modules":
        return [["q_proj"], [], ["bad name"], ["x" * 65], ["m"] * 32, ["m"] * 33]
    lo, hi = spec.minimum, spec.maximum
    if spec.kind == "int":
        return [lo, lo - 1, hi, hi + 1, (lo + hi) // 2]
    return [lo, hi, math.nextafter(lo, -math.inf), math.nextafter(hi, math.inf), (lo + hi) / 2]


@pytest.mark.parametrize("spec", FIELDS, ids=lambda s: s.name)
def test_api_and_worker_accept_the_same_values(spec: Any) -> None:
    for value in _probes(spec):
        api, worker = _api_accepts(spec.name, value), _worker_accepts(spec.name, value)
        assert api == worker, f"{spec.name}={value!r}: API {api}, worker {worker}"


@pytest.mark.django_db
def test_max_grad_norm_zero_is_a_400_field_error(
    owner_client: Any, h100: Any, dataset: Any
) -> None:
    # Drift regression: the API used to accept 0, which the worker refuses (internal_error).
    body = {
        "name": "clip",
        "dataset_id": str(dataset.pk),
        "base_model": "tiny-random-llama",
        "preset": "custom",
        "gpu_type": h100.slug,
        "hyperparameters": {"max_grad_norm": 0},
    }
    response = owner_client.post("/api/training/jobs", body, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert list(fields) == ["hyperparameters.max_grad_norm"], fields
    assert not _worker_accepts("max_grad_norm", 0)
    ok = owner_client.post(
        "/api/training/jobs",
        body | {"hyperparameters": {"max_grad_norm": 0.5}},
        format="json",
    )
    assert ok.status_code == 201, ok.json()


@pytest.mark.django_db
def test_a_left_out_field_runs_with_what_the_form_shows(owner_client: Any) -> None:
    # Drift regression: the worker's own defaults (max_seq_len 1024, 7 target modules, ...)
    # used to differ from what the presets endpoint shows the create form.
    presets = owner_client.get("/api/training/presets").json()
    for preset in presets:
        shown = preset["hyperparameters"]
        assert shown == resolve_hyperparameters(preset["key"], None)
        runs = (
            TrainingConfig.from_dict({}).to_dict() | HYPERPARAMETER_PRESETS[preset["key"]].overrides
        )
        assert {k: runs[k] for k in shown} == shown
        # every preset is a config the worker accepts
        TrainingConfig.from_dict(shown)
        assert preset["bounds"] == json.loads(json.dumps(bounds_table()))


def test_create_serializer_uses_the_contract_presets() -> None:
    assert list(JobCreateSerializer().fields["preset"].choices) == list(HYPERPARAMETER_PRESETS)


# --- dataset records ----------------------------------------------------------------------

LINES: list[str] = [
    json.dumps(
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}
    ),
    "",
    "   ",
    "{not json",
    json.dumps({"messages": [{"role": "user", "content": "hi"}]}),
    json.dumps(
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": " \t"}]}
    ),
    json.dumps(
        {"messages": [{"role": "robot", "content": "x"}, {"role": "assistant", "content": "y"}]}
    ),
    json.dumps({"messages": [{"role": "assistant", "content": 3}]}),
    json.dumps({"messages": []}),
    json.dumps({"messages": ["x"]}),
    json.dumps({"prompt": "p", "completion": "c"}),
    json.dumps({"prompt": "p", "completion": " "}),
    json.dumps({"prompt": 1, "completion": "c"}),
    json.dumps([1, 2]),
    json.dumps({"text": "plain"}),
    json.dumps("a string"),
    # The JSON limits (worker.contract.jsonvalues): the worker used to report Python's own
    # int-conversion error, crash with RecursionError, or accept NaN where the upload refused.
    '{"prompt": "p", "completion": "c", "n": ' + "9" * 5000 + "}",
    "[" * 5000 + "]" * 5000,
    '{"prompt": "p", "completion": "c", "score": NaN}',
    '{"prompt": "p\\u0000", "completion": "c"}',
]


@pytest.mark.parametrize("line", LINES)
def test_upload_and_worker_agree_on_each_line(tmp_path: Path, line: str) -> None:
    good = json.dumps(
        {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}
    )
    content = f"{good}\n{line}\n".encode()
    report = validate_jsonl(content.splitlines(keepends=True))
    path = tmp_path / "d.jsonl"
    path.write_bytes(content)
    try:
        load_records(path)
        worker_errors: list[tuple[int, str]] = []
    except DatasetError as exc:
        worker_errors = exc.errors
    assert [(e["line"], e["message"]) for e in report.errors] == worker_errors
    assert report.is_valid == (not worker_errors)


def test_utf8_errors_are_the_same_on_both_sides(tmp_path: Path) -> None:
    content = b'{"prompt": "a", "completion": "b"}\n{"prompt": "\xe9", "completion": "b"}\n'
    report = validate_jsonl(content.splitlines(keepends=True))
    path = tmp_path / "d.jsonl"
    path.write_bytes(content)
    with pytest.raises(DatasetError) as err:
        load_records(path)
    assert [(e["line"], e["message"]) for e in report.errors] == err.value.errors
    assert "UTF-8" in err.value.message


# --- no second copy -----------------------------------------------------------------------

VOCABULARIES: dict[str, frozenset[str]] = {
    "stages": frozenset(names.STAGES),
    "stage states": frozenset(names.STAGE_STATES),
    "event types": frozenset(names.EVENT_TYPES),
    "failure categories": frozenset(names.FAILURE_CATEGORIES),
    "metric value fields": frozenset(names.METRIC_VALUE_FIELDS),
    "hyperparameter names": frozenset(f.name for f in FIELDS),
    "dataset roles": frozenset(ROLES),
}
SINGLE_NAMES = {names.RUN_JOB_TASK: "the task name"}


def _source_files() -> list[Path]:
    files = [*(ROOT / "backend").rglob("*.py"), *(ROOT / "worker").rglob("*.py")]
    return [
        p
        for p in files
        if "migrations" not in p.parts and (ROOT / "worker" / "contract") not in p.parents
    ]


def _strings(nodes: list[ast.expr | None]) -> list[str]:
    return [n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def test_no_rule_of_the_contract_is_spelled_out_elsewhere() -> None:
    found: list[str] = []
    for path in _source_files():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            strings: list[str] = []
            if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
                strings = _strings(list(node.elts))
            elif isinstance(node, ast.Dict):
                strings = _strings(list(node.keys))
            elif isinstance(node, ast.Constant) and node.value in SINGLE_NAMES:
                found.append(f"{where}: {SINGLE_NAMES[node.value]}")
            if len(strings) < 3:
                continue
            for label, vocabulary in VOCABULARIES.items():
                # A dict keyed by stage (a per-stage value) uses the names; a list of them
                # (or of most hyperparameters) defines the vocabulary again.
                if isinstance(node, ast.Dict) and label != "hyperparameter names":
                    continue
                # A few hyperparameter names are an override (the demo's); most are a schema.
                least = 8 if label == "hyperparameter names" else min(3, len(vocabulary))
                shared = set(strings) & vocabulary
                # Most of a long vocabulary next to other names (("step", *metric fields)).
                most = 8 if label == "hyperparameter names" else 5
                if (set(strings) <= vocabulary and len(shared) >= least) or len(shared) >= most:
                    found.append(f"{where}: {label} {sorted(set(strings))}")
    assert not found, "defined again outside worker.contract:\n" + "\n".join(found)
