"""Preprocessing stage: file -> validated records -> tokens -> packed rows -> step counts.

Everything here runs before the first optimizer step, so the API can show total steps, tokens
and the padding efficiency from the start.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import TrainingConfig
from .data import DatasetError, TokenizeStats, load_records, split_train_val, tokenize_records
from .packing import BatchPlan, PackedSet, pack, padding_efficiency


@dataclass(frozen=True)
class PreparedData:
    """Packed train/val sets, the batch plan, and the counts shown before training starts."""

    train: PackedSet
    val: PackedSet | None
    plan: BatchPlan
    epochs: int
    stats: TokenizeStats
    n_records: int
    padding_efficiency: float

    @property
    def steps_per_epoch(self) -> int:
        """Optimizer steps per epoch."""
        return self.plan.steps_per_epoch

    @property
    def total_steps(self) -> int:
        """Optimizer steps of the whole run."""
        return self.plan.steps_per_epoch * self.epochs

    def counts(self) -> dict[str, Any]:
        """JSON-friendly summary for events and the API."""
        return {
            "records": self.n_records,
            "train_examples": len(self.train.examples),
            "val_examples": len(self.val.examples) if self.val else 0,
            "train_tokens": self.train.n_tokens,
            "train_trainable_tokens": self.train.n_trainable,
            "val_tokens": self.val.n_tokens if self.val else 0,
            "rows": len(self.train.rows),
            "row_len": self.train.row_len,
            "rows_per_micro_batch": self.plan.rows_per_micro_batch,
            "steps_per_epoch": self.steps_per_epoch,
            "total_steps": self.total_steps,
            "padding_efficiency": round(self.padding_efficiency, 4),
            "truncated_examples": self.stats.truncated,
            "dropped_examples": len(self.stats.dropped_no_target),
        }


def prepare_data(
    config: TrainingConfig,
    tokenizer: Any,
    dataset_path: Path | str,
    val_dataset_path: Path | str | None = None,
) -> PreparedData:
    """Load, validate, tokenize, split and pack. Raises DatasetError (line-numbered)."""
    records = load_records(dataset_path)
    examples, stats = tokenize_records(records, tokenizer, max_seq_len=config.max_seq_len)
    if val_dataset_path is not None:
        val_records = load_records(val_dataset_path)
        val_examples, _ = tokenize_records(val_records, tokenizer, max_seq_len=config.max_seq_len)
        train_examples = examples
    else:
        train_examples, val_examples = split_train_val(
            examples, val_fraction=config.val_fraction, seed=config.seed
        )
    if not train_examples:
        raise DatasetError(line=0, message="no trainable examples left after tokenization")
    # One row per micro-batch, as long as the whole token budget: with varlen attention the row
    # length costs nothing extra, and bigger rows pack tighter.
    row_len = config.tokens_per_micro_batch
    train = pack(train_examples, row_len)
    val = pack(val_examples, row_len) if val_examples else None
    plan = BatchPlan(
        rows_per_micro_batch=1,
        grad_accum_steps=config.grad_accum_steps,
        n_rows=len(train.rows),
        seed=config.seed,
    )
    return PreparedData(
        train=train,
        val=val,
        plan=plan,
        epochs=config.epochs,
        stats=stats,
        n_records=len(records),
        padding_efficiency=padding_efficiency(train, plan),
    )
