"""Sequence packing and the per-epoch batch plan.

Examples are packed once (best-fit decreasing) into rows of at most ``row_len`` tokens -- the
micro-batch token budget (batch_size * max_seq_len). A micro-batch is one such row: whole
examples back to back, ``position_ids`` restarting at 0 for each, and the segment edges
(``bounds``) handed to the varlen attention (see attention.py), so no token attends across an
example and there is no padding at all. Labels are shifted inside each example, so no example
is trained to predict the first token of its neighbour.

Packing happens once, before training, so steps per epoch are known up front; each epoch then
visits the rows in an order seeded by (seed, epoch), which a resumed run reproduces exactly.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np
import torch

from .data import Example

IGNORE_INDEX = -100


@dataclass(frozen=True)
class PackedSet:
    """Examples packed into rows. ``rows[i]`` lists example indices of row i, in order."""

    examples: list[Example]
    rows: list[list[int]]
    row_len: int

    @property
    def n_tokens(self) -> int:
        """Real (non-padding) tokens."""
        return sum(len(ex.input_ids) for ex in self.examples)

    @property
    def n_trainable(self) -> int:
        """Tokens carrying loss."""
        return sum(ex.n_trainable for ex in self.examples)

    def row_tokens(self, r: int) -> int:
        """Real tokens in row r."""
        return sum(len(self.examples[i].input_ids) for i in self.rows[r])

    def row_trainable(self, r: int) -> int:
        """Loss-carrying tokens in row r."""
        return sum(self.examples[i].n_trainable for i in self.rows[r])


def pack(examples: list[Example], row_len: int) -> PackedSet:
    """Best-fit decreasing bin packing; deterministic (ties broken by example index)."""
    order = sorted(range(len(examples)), key=lambda i: (-len(examples[i].input_ids), i))
    rows: list[list[int]] = []
    # Open rows sorted by (free space, row id) so bisect finds the tightest row that still fits.
    free: list[tuple[int, int]] = []
    for i in order:
        n = len(examples[i].input_ids)
        if n > row_len:
            raise ValueError(f"example of {n} tokens exceeds row length {row_len}")
        k = bisect.bisect_left(free, (n, -1))
        if k < len(free):
            space, r = free.pop(k)
        else:
            space, r = row_len, len(rows)
            rows.append([])
        rows[r].append(i)
        if space - n > 0:
            bisect.insort(free, (space - n, r))
    return PackedSet(examples=examples, rows=rows, row_len=row_len)


@dataclass(frozen=True)
class MicroBatch:
    """Tensors for one forward pass (on CPU; the loop moves them)."""

    input_ids: torch.Tensor  # (rows, L) long
    position_ids: torch.Tensor  # (rows, L) long, restarting at 0 per example
    labels: torch.Tensor  # (rows, L) long, IGNORE_INDEX where no loss
    target_index: torch.Tensor  # (n_trainable,) flat positions with a label, for loss gathering
    target_ids: torch.Tensor  # (n_trainable,) the labels at those positions
    bounds: list[int]  # segment edges [0, e1, ..., width] along the row (single-row batches)
    n_tokens: int  # real tokens
    n_trainable: int  # labels != IGNORE_INDEX


def collate(packed: PackedSet, row_ids: list[int], pad_id: int) -> MicroBatch:
    """Build a micro-batch from rows, padded only to its own longest row."""
    width = max(packed.row_tokens(r) for r in row_ids)
    ids = np.full((len(row_ids), width), pad_id, dtype=np.int64)
    pos = np.zeros((len(row_ids), width), dtype=np.int64)
    labels = np.full((len(row_ids), width), IGNORE_INDEX, dtype=np.int64)
    n_tokens = 0
    bounds = [0]
    for b, r in enumerate(row_ids):
        at = 0
        for i in packed.rows[r]:
            ex = packed.examples[i]
            n = len(ex.input_ids)
            ids[b, at : at + n] = ex.input_ids
            pos[b, at : at + n] = np.arange(n)
            # label at t = token t+1 when token t+1 is a target; the last token predicts nothing
            nxt = np.asarray(ex.input_ids[1:], dtype=np.int64)
            keep = np.asarray(ex.target[1:], dtype=bool)
            labels[b, at : at + n - 1] = np.where(keep, nxt, IGNORE_INDEX)
            at += n
            bounds.append(at)
        n_tokens += at
        if at < width:  # tail padding is its own "sequence" (positions restart), no loss
            pos[b, at:] = np.arange(width - at)
    # Gather indices are computed here on the CPU so the loop can pick the loss positions on the
    # GPU with index_select (boolean masking there would force a device sync every micro-batch).
    flat = labels.reshape(-1)
    index = np.flatnonzero(flat != IGNORE_INDEX)
    return MicroBatch(
        input_ids=torch.from_numpy(ids),
        position_ids=torch.from_numpy(pos),
        labels=torch.from_numpy(labels),
        target_index=torch.from_numpy(index.astype(np.int64)),
        target_ids=torch.from_numpy(flat[index]),
        bounds=bounds if len(row_ids) == 1 else [],
        n_tokens=n_tokens,
        n_trainable=int(index.size),
    )


def split_step(packed: PackedSet, row_ids: list[int], budget: int) -> list[list[int]]:
    """The examples of one optimizer step (its rows, in order) cut into micro-batches of at most
    ``budget`` tokens each, greedily in order. Which examples a step trains on and the loss
    (summed over the step, divided by its trainable tokens) do not depend on ``budget``: it only
    decides how many forward/backward passes the step takes."""
    groups: list[list[int]] = []
    current: list[int] = []
    used = 0
    for r in row_ids:
        for i in packed.rows[r]:
            n = len(packed.examples[i].input_ids)
            if n > budget:
                raise ValueError(f"example of {n} tokens exceeds micro-batch budget {budget}")
            if used + n > budget:
                groups.append(current)
                current, used = [], 0
            current.append(i)
            used += n
    if current:
        groups.append(current)
    return groups


def collate_examples(
    packed: PackedSet, example_ids: list[int], pad_id: int, bucket: int = 0
) -> MicroBatch:
    """One packed row of the given examples; with ``bucket`` > 0 its width is rounded up to a
    multiple of ``bucket`` (a few static shapes for compiled kernels) -- the tail padding is its
    own segment, positions restarting, no loss."""
    n_real = sum(len(packed.examples[i].input_ids) for i in example_ids)
    width = -(-n_real // bucket) * bucket if bucket > 0 else n_real
    one = PackedSet(packed.examples, [list(example_ids)], packed.row_len)
    mb = collate(one, [0], pad_id)
    if width == n_real:
        return mb
    pad = width - n_real
    ids = torch.cat([mb.input_ids, torch.full((1, pad), pad_id, dtype=torch.int64)], dim=1)
    pos = torch.cat([mb.position_ids, torch.arange(pad, dtype=torch.int64)[None]], dim=1)
    labels = torch.cat([mb.labels, torch.full((1, pad), IGNORE_INDEX, dtype=torch.int64)], dim=1)
    return MicroBatch(
        input_ids=ids,
        position_ids=pos,
        labels=labels,
        target_index=mb.target_index,
        target_ids=mb.target_ids,
        bounds=[*mb.bounds, width],
        n_tokens=mb.n_tokens,
        n_trainable=mb.n_trainable,
    )


@dataclass(frozen=True)
class BatchPlan:
    """How rows map to optimizer steps. The same for every epoch except the row order."""

    rows_per_micro_batch: int
    grad_accum_steps: int
    n_rows: int
    seed: int

    @property
    def rows_per_step(self) -> int:
        """Rows consumed by one optimizer step."""
        return self.rows_per_micro_batch * self.grad_accum_steps

    @property
    def steps_per_epoch(self) -> int:
        """Optimizer steps per epoch (the last one may be short)."""
        return max(1, -(-self.n_rows // self.rows_per_step))

    def row_order(self, epoch: int) -> list[int]:
        """Row order of an epoch: a permutation seeded by (seed, epoch), so it is reproducible
        on resume and on another host."""
        return [int(i) for i in np.random.default_rng([self.seed, epoch]).permutation(self.n_rows)]

    def step_rows(self, epoch: int, step_in_epoch: int) -> list[list[int]]:
        """Row ids of each micro-batch of one optimizer step (0-based step within the epoch)."""
        order = self.row_order(epoch)
        chunk = order[step_in_epoch * self.rows_per_step : (step_in_epoch + 1) * self.rows_per_step]
        m = self.rows_per_micro_batch
        return [chunk[i : i + m] for i in range(0, len(chunk), m)]


def padding_efficiency(packed: PackedSet, plan: BatchPlan) -> float:
    """Real tokens / tokens computed, over one epoch of micro-batches (padding included)."""
    computed = 0
    for step in range(plan.steps_per_epoch):
        for rows in plan.step_rows(0, step):
            computed += len(rows) * max(packed.row_tokens(r) for r in rows)
    return packed.n_tokens / max(1, computed)


def eval_batches(packed: PackedSet, rows_per_micro_batch: int, pad_id: int) -> list[MicroBatch]:
    """Validation micro-batches in a fixed order."""
    rows = list(range(len(packed.rows)))
    m = max(1, rows_per_micro_batch)
    return [collate(packed, rows[i : i + m], pad_id) for i in range(0, len(rows), m)]
