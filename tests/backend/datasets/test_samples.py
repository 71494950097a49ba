"""The sample datasets shipped for `make run` and the README: present, current, and valid."""

from __future__ import annotations

import pytest

from backend.datasets.samples import generate
from backend.datasets.validation import validate_jsonl

SAMPLES = generate.HERE


def test_committed_files_match_the_generator() -> None:
    assert generate.main(["--check"]) == 0


def test_support_chats_is_a_few_hundred_valid_conversations() -> None:
    with open(SAMPLES / "support_chats.jsonl", "rb") as fh:
        report = validate_jsonl(fh)
    assert report.is_valid, report.errors
    assert report.format == "chat"
    assert 250 <= report.num_examples <= 1000


def test_support_chats_has_no_duplicate_conversations() -> None:
    lines = (SAMPLES / "support_chats.jsonl").read_text(encoding="utf-8").splitlines()
    # Computed questions may repeat by chance; the bulk must be distinct.
    assert len(set(lines)) >= 0.95 * len(lines)


def test_overlong_prompts_passes_the_upload_check() -> None:
    # The failure demo needs the API to accept the file: the worker is what rejects it.
    with open(SAMPLES / "overlong_prompts.jsonl", "rb") as fh:
        report = validate_jsonl(fh)
    assert report.is_valid, report.errors


def test_invalid_lines_is_refused_with_line_numbers() -> None:
    with open(SAMPLES / "invalid_lines.jsonl", "rb") as fh:
        report = validate_jsonl(fh)
    assert not report.is_valid
    assert [e["line"] for e in report.errors] == [2, 3, 4]


def test_overlong_prompts_fails_worker_preprocessing() -> None:
    prepare = pytest.importorskip("worker.training.prepare")
    config_mod = pytest.importorskip("worker.training.config")
    models = pytest.importorskip("worker.training.models")
    data = pytest.importorskip("worker.training.data")
    config = config_mod.TrainingConfig(max_seq_len=512)
    tokenizer = models.build_byte_tokenizer()
    prepared = prepare.prepare_data(config, tokenizer, SAMPLES / "support_chats.jsonl")
    assert prepared.total_steps > 0
    with pytest.raises(data.DatasetError, match="no trainable examples"):
        prepare.prepare_data(config, tokenizer, SAMPLES / "overlong_prompts.jsonl")
