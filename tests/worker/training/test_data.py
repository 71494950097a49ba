"""Dataset validation, tokenization masks, split, and packing."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
import torch

from tests.worker.training.conftest import chat_record, fast_config, write_jsonl
from worker.training import DatasetError, prepare_data
from worker.training.attention import attention_kwargs, use_packed_attention
from worker.training.data import Example, load_records, split_train_val, tokenize_records
from worker.training.models import build_byte_tokenizer, build_tiny_model
from worker.training.packing import IGNORE_INDEX, BatchPlan, collate, pack, padding_efficiency


@pytest.fixture(scope="module")
def tok():  # type: ignore[no-untyped-def]
    return build_byte_tokenizer()


def test_bad_lines_are_reported_with_line_numbers(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "bad.jsonl",
        [
            chat_record(1, 2),
            "{not json",
            {"messages": [{"role": "user", "content": "hi"}]},
            "",  # blank lines are skipped, but still counted
            {
                "messages": [
                    {"role": "robot", "content": "x"},
                    {"role": "assistant", "content": "y"},
                ]
            },
            {"prompt": "p"},
            [1, 2],
            {"text": "plain"},
        ],
    )
    with pytest.raises(DatasetError) as err:
        load_records(path)
    exc = err.value
    assert exc.line == 2
    assert str(exc).startswith("line 2: invalid JSON")
    lines = [ln for ln, _ in exc.errors]
    assert lines == [2, 3, 5, 6, 7, 8]
    messages = dict(exc.errors)
    assert "no assistant message" in messages[3]
    assert "role must be one of system, user, assistant" in messages[5]
    assert "completion" in messages[6]
    assert "expected a JSON object" in messages[7]
    assert "expected 'messages'" in messages[8]


def test_error_list_is_capped(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", ["nope"] * 60)
    with pytest.raises(DatasetError) as err:
        load_records(path)
    assert len(err.value.errors) == 50 and err.value.total == 60
    assert str(err.value).startswith("line 1: invalid JSON")
    assert str(err.value).endswith("(and 59 more errors)")


def test_empty_file_and_invalid_utf8(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n  \n")
    with pytest.raises(DatasetError, match="empty"):
        load_records(empty)
    raw = tmp_path / "latin1.jsonl"
    raw.write_bytes(b'{"prompt": "a", "completion": "b"}\n{"prompt": "\xe9", "completion": "b"}\n')
    with pytest.raises(DatasetError) as err:
        load_records(raw)
    assert err.value.line == 2 and "UTF-8" in err.value.message


def test_lines_beyond_the_json_limits_are_line_errors_not_crashes(tmp_path: Path) -> None:
    # Python refuses to convert integers of more than 4300 digits (ValueError) and recurses
    # once per nesting level: each must be a clear error on its own line, as at upload.
    good = '{"prompt": "a", "completion": "b"}'
    raw = tmp_path / "limits.jsonl"
    raw.write_text(
        "\n".join(
            [
                good,
                '{"prompt": "a", "completion": "b", "n": ' + "7" * 4301 + "}",
                "[" * 100_000 + "]" * 100_000,
                '{"prompt": "a", "completion": "b", "x": -Infinity}',
                good,
            ]
        )
    )
    with pytest.raises(DatasetError) as err:
        load_records(raw)
    assert err.value.errors == [
        (2, "An integer has more than 4000 digits."),
        (3, "Nested too deeply (at most 32 levels of objects and arrays)."),
        (4, "-Infinity is not a JSON number."),
    ]


def test_chat_labels_cover_only_assistant_tokens(tmp_path: Path, tok) -> None:  # type: ignore[no-untyped-def]
    path = write_jsonl(
        tmp_path / "c.jsonl",
        [{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}],
    )
    (ex,), _ = tokenize_records(load_records(path), tok, max_seq_len=64)
    # ChatML, one token per byte: <|im_start|> u s e r \n h i <|im_end|> \n
    #                              <|im_start|> a s s i s t a n t \n y o <|im_end|> \n
    assert tok.decode(ex.input_ids) == (
        "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nyo<|im_end|>\n"
    )
    assert [i for i, t in enumerate(ex.target) if t] == [21, 22, 23]  # "y", "o", <|im_end|>
    mb = collate(pack([ex], 32), [0], tok.pad_token_id)
    labels = mb.labels[0].tolist()
    expected = [IGNORE_INDEX] * 32
    expected[20:23] = ex.input_ids[21:24]  # label at t predicts token t+1
    assert labels[: len(ex.input_ids)] == expected[: len(ex.input_ids)]
    assert mb.n_trainable == 3
    assert mb.target_ids.tolist() == ex.input_ids[21:24]


def test_multi_turn_and_prompt_completion_masks(tmp_path: Path, tok) -> None:  # type: ignore[no-untyped-def]
    path = write_jsonl(
        tmp_path / "m.jsonl",
        [
            {
                "messages": [
                    {"role": "system", "content": "S"},
                    {"role": "user", "content": "u1"},
                    {"role": "assistant", "content": "A1"},
                    {"role": "user", "content": "A1"},  # same text as the answer: must stay masked
                    {"role": "assistant", "content": "B2"},
                ]
            },
        ],
    )
    # One format per file (the contract's rule): the prompt/completion record gets its own.
    comp_path = write_jsonl(tmp_path / "c.jsonl", [{"prompt": "Q: 1+1?\nA:", "completion": " 2"}])
    records = load_records(path) + load_records(comp_path)
    (chat, comp), _ = tokenize_records(records, tok, max_seq_len=256)
    trained = "".join(
        tok.decode([i]) for i, t in zip(chat.input_ids, chat.target, strict=True) if t
    )
    assert trained == "A1<|im_end|>B2<|im_end|>"
    assert tok.decode(comp.input_ids) == "Q: 1+1?\nA: 2<|im_end|>"
    assert [i for i, t in enumerate(comp.target) if t] == [10, 11, 12]  # " ", "2", EOS


def test_truncation_and_drop(tmp_path: Path, tok) -> None:  # type: ignore[no-untyped-def]
    path = write_jsonl(
        tmp_path / "t.jsonl",
        [{"prompt": "x" * 40, "completion": "y"}, {"prompt": "p", "completion": "z" * 40}],
    )
    examples, stats = tokenize_records(load_records(path), tok, max_seq_len=20)
    assert stats.truncated == 2
    assert stats.dropped_no_target == [1]  # the completion of line 1 was cut off entirely
    assert len(examples) == 1 and len(examples[0].input_ids) == 20


def test_truncation_warning_names_counts_and_example_lines(tmp_path: Path, tok) -> None:  # type: ignore[no-untyped-def]
    # Line 1 is truncated but keeps its target; lines 2 and 4 lose theirs; line 3 fits.
    path = write_jsonl(
        tmp_path / "t.jsonl",
        [
            {"prompt": "p", "completion": "z" * 40},
            {"prompt": "x" * 40, "completion": "y"},
            {"prompt": "a", "completion": "b"},
            {"prompt": "x" * 40, "completion": "y"},
        ],
    )
    _, stats = tokenize_records(load_records(path), tok, max_seq_len=20)
    assert stats.warning_payload(20) == {
        "truncated": 3,
        "dropped": 2,
        "max_seq_len": 20,
        "truncated_lines": [1, 2, 4],
        "dropped_lines": [2, 4],
    }
    assert stats.warning_payload(20, examples=1)["truncated_lines"] == [1]


def test_split_is_deterministic_by_seed() -> None:
    exs = [Example([i, i], [False, True], i + 1) for i in range(50)]
    a_train, a_val = split_train_val(exs, val_fraction=0.1, seed=3)
    _, b_val = split_train_val(exs, val_fraction=0.1, seed=3)
    _, c_val = split_train_val(exs, val_fraction=0.1, seed=4)
    assert [e.line for e in a_val] == [e.line for e in b_val]
    assert len(a_val) == 5 and len(a_train) == 45
    assert [e.line for e in a_val] != [e.line for e in c_val]


def test_separate_validation_file(tmp_path: Path, dataset: Path) -> None:
    val = write_jsonl(tmp_path / "val.jsonl", [chat_record(1, 1), chat_record(2, 2)])
    data = prepare_data(fast_config(), build_byte_tokenizer(), dataset, val)
    assert data.counts()["val_examples"] == 2
    assert data.counts()["train_examples"] == 96


def _random_examples(n: int, lo: int, hi: int, seed: int = 0) -> list[Example]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        length = rng.randint(lo, hi)
        out.append(Example([rng.randrange(256) for _ in range(length)], [True] * length, i + 1))
    return out


def test_packing_efficiency_and_no_token_lost() -> None:
    examples = _random_examples(400, 16, 200)
    packed = pack(examples, 1024)
    plan = BatchPlan(rows_per_micro_batch=1, grad_accum_steps=2, n_rows=len(packed.rows), seed=0)
    # one row per micro-batch, cut to its own length: nothing is computed on padding
    assert padding_efficiency(packed, plan) == 1.0
    # and rows are nearly full, so the step count is close to the minimum
    fill = packed.n_tokens / (len(packed.rows) * packed.row_len)
    assert fill >= 0.97
    seen: Counter[tuple[int, ...]] = Counter()
    for step in range(plan.steps_per_epoch):
        for rows in plan.step_rows(0, step):
            mb = collate(packed, rows, pad_id=0)
            assert mb.input_ids.shape[1] == packed.row_tokens(rows[0])  # no padding at all
            for a, b in zip(mb.bounds[:-1], mb.bounds[1:], strict=True):
                seen[tuple(mb.input_ids[0, a:b].tolist())] += 1
                assert mb.position_ids[0, a:b].tolist() == list(range(b - a))
    assert seen == Counter(tuple(e.input_ids) for e in examples)


def test_multi_row_batches_pad_only_to_their_longest_row() -> None:
    examples = _random_examples(40, 5, 20)
    packed = pack(examples, 40)
    mb = collate(packed, [0, len(packed.rows) - 1], pad_id=0)
    width = max(packed.row_tokens(0), packed.row_tokens(len(packed.rows) - 1))
    assert mb.input_ids.shape == (2, width)
    assert mb.n_tokens == packed.row_tokens(0) + packed.row_tokens(len(packed.rows) - 1)
    assert (mb.labels[1, packed.row_tokens(len(packed.rows) - 1) :] == IGNORE_INDEX).all()


def test_epoch_order_is_seeded() -> None:
    plan = BatchPlan(rows_per_micro_batch=2, grad_accum_steps=1, n_rows=30, seed=5)
    assert plan.row_order(0) == plan.row_order(0)
    assert plan.row_order(0) != plan.row_order(1)
    assert sorted(plan.row_order(1)) == list(range(30))


def test_packed_sequences_do_not_attend_across_boundaries(tok) -> None:  # type: ignore[no-untyped-def]
    reference = build_tiny_model(len(tok)).eval()
    packed_model = build_tiny_model(len(tok)).eval()
    assert use_packed_attention(packed_model, torch.device("cpu")) == "segments"
    examples = _random_examples(4, 9, 30, seed=7)
    packed = pack(examples, 120)
    assert len(packed.rows) == 1 and len(packed.rows[0]) == 4
    mb = collate(packed, [0], pad_id=tok.pad_token_id)
    with torch.no_grad():
        together = packed_model(
            input_ids=mb.input_ids,
            position_ids=mb.position_ids,
            use_cache=False,
            **attention_kwargs(mb.bounds),
        ).logits[0]
        for k, i in enumerate(packed.rows[0]):
            ids = torch.tensor([examples[i].input_ids])
            alone = reference(input_ids=ids, use_cache=False).logits[0]
            a, b = mb.bounds[k], mb.bounds[k + 1]
            torch.testing.assert_close(together[a:b], alone, atol=1e-5, rtol=1e-4)


def test_errors_in_the_validation_file_say_so(tmp_path: Path, dataset: Path) -> None:
    val = write_jsonl(tmp_path / "val.jsonl", [chat_record(1, 1), "{broken"])
    with pytest.raises(DatasetError) as err:
        prepare_data(fast_config(), build_byte_tokenizer(), dataset, val)
    assert err.value.line == 2
    assert str(err.value).startswith("line 2: validation file: invalid JSON")
