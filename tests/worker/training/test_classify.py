"""Dataset failures map to invalid_dataset with a line the API accepts."""

from __future__ import annotations

from worker.training.data import DatasetError
from worker.training.monitoring import classify


def test_a_file_level_dataset_error_reports_no_line() -> None:
    failure = classify(
        DatasetError(line=0, message="no trainable examples left after tokenization"),
        stage="preprocessing",
    )
    assert failure.category == "invalid_dataset"
    assert failure.line is None
    assert failure.stage == "preprocessing"


def test_a_line_error_keeps_its_line() -> None:
    failure = classify(DatasetError(line=7, message="invalid JSON"), stage="preprocessing")
    assert failure.line == 7
