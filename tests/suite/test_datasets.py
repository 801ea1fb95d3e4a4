"""Hugging Face `datasets` sources, on local data only (the root conftest forces offline mode)."""
from __future__ import annotations

import datasets
import pandas as pd
import pytest

from evalkit.suite import load_suite

from .helpers import check_problem, load_error, write_jsonl

ROWS = [{"id": f"r{i}", "question": f"q{i}", "answer": f"a{i}", "lang": ["en", "fr"][i % 2]}
        for i in range(6)]


def suite_over(tmp_path, cases: str):
    """A suite whose `cases:` block is `cases` (already indented by two spaces)."""
    path = tmp_path / "suite.yaml"
    path.write_text('suite: s\nprompt: "{{ question }}"\ncases:\n' + cases
                    + "  target: answer\n  metadata: [lang]\nslices: [lang]\n", encoding="utf-8")
    return path


def check_rows(suite, rows=ROWS):
    assert [c.id for c in suite.cases] == [r["id"] for r in rows]
    assert [c.target for c in suite.cases] == [r["answer"] for r in rows]
    assert [dict(c.metadata) for c in suite.cases] == [{"lang": r["lang"]} for r in rows]
    assert [suite.requests[r["id"]].messages[0].content for r in rows] == \
        [r["question"] for r in rows]


def test_hf_json_builder_with_local_data_files(tmp_path):
    (tmp_path / "data").mkdir()
    write_jsonl(tmp_path / "data" / "qa.jsonl", ROWS)
    suite = load_suite(suite_over(tmp_path, "  hf: json\n  data_files: data/qa.jsonl\n"))
    check_rows(suite)
    assert suite.cases[0].source == "hf:json (row 0)"


def test_hf_json_builder_with_a_split_mapping(tmp_path):
    write_jsonl(tmp_path / "train.jsonl", ROWS[:2])
    write_jsonl(tmp_path / "test.jsonl", ROWS[2:])
    suite = load_suite(suite_over(
        tmp_path, "  hf: json\n  data_files: {train: train.jsonl, test: [test.jsonl]}\n"
                  "  split: test\n"))
    check_rows(suite, ROWS[2:])


def test_parquet_file(tmp_path):
    pd.DataFrame(ROWS).to_parquet(tmp_path / "qa.parquet")
    suite = load_suite(suite_over(tmp_path, "  from: qa.parquet\n"))
    check_rows(suite)
    assert suite.cases[3].source == f"{tmp_path / 'qa.parquet'} (row 3)"


def test_parquet_duplicate_id_is_located_at_the_suite_line_and_names_the_row(tmp_path):
    data = tmp_path / "qa.parquet"
    pd.DataFrame([*ROWS, ROWS[1]]).to_parquet(data)
    path = suite_over(tmp_path, "  from: qa.parquet\n")
    error = load_error(path)
    assert len(error.problems) == 1
    check_problem(error, file=path, line=4, col=9,
                  message=f"duplicate case id 'r1' ({data} (row 6))",
                  source="  from: qa.parquet", hint=f"first used at {data} (row 1)")


def test_parquet_row_missing_a_field(tmp_path):
    data = tmp_path / "qa.parquet"
    pd.DataFrame([{"id": "x", "question": "q"}]).to_parquet(data)
    path = suite_over(tmp_path, "  from: qa.parquet\n")
    check_problem(load_error(path), file=path, line=4, col=9,
                  message=f"record ({data} row 0) has no field 'lang'",
                  source="  from: qa.parquet", hint="fields present: id, question")


def test_save_to_disk_folder(tmp_path):
    datasets.Dataset.from_list(ROWS).save_to_disk(str(tmp_path / "qa_ds"))
    suite = load_suite(suite_over(tmp_path, "  from: qa_ds\n"))
    check_rows(suite)


@pytest.fixture
def dataset_dict(tmp_path):
    datasets.DatasetDict({
        "train": datasets.Dataset.from_list(ROWS[:2]),
        "validation": datasets.Dataset.from_list(ROWS[2:3]),
        "test": datasets.Dataset.from_list(ROWS[3:]),
    }).save_to_disk(str(tmp_path / "qa_dd"))
    return tmp_path / "qa_dd"


def test_dataset_dict_folder_split_selection(tmp_path, dataset_dict):
    check_rows(load_suite(suite_over(tmp_path, "  from: qa_dd\n")), ROWS[3:])  # test by default
    check_rows(load_suite(suite_over(tmp_path, "  from: qa_dd\n  split: train\n")), ROWS[:2])
    check_rows(load_suite(suite_over(tmp_path, "  from: qa_dd\n  split: validation\n")),
               ROWS[2:3])


def test_dataset_dict_unknown_split(tmp_path, dataset_dict):
    path = suite_over(tmp_path, "  from: qa_dd\n  split: tset\n")
    check_problem(load_error(path), file=path, line=4, col=9,
                  message=f"{dataset_dict}: the dataset has no split 'tset'",
                  key_path="cases.from", source="  from: qa_dd", hint="did you mean 'test'?")


def test_hub_dataset_is_an_error_offline(tmp_path):
    path = suite_over(tmp_path, "  hf: someone/not-cached\n")
    error = load_error(path)
    assert len(error.problems) == 1
    check_problem(error, file=path, line=4, col=3, message="cannot load cases:", key_path="cases")


def test_data_files_need_hf(tmp_path):
    path = suite_over(tmp_path, "  from: x.jsonl\n  data_files: x.jsonl\n")
    check_problem(load_error(path), file=path, line=4, col=3,
                  message="'data_files' goes with 'hf'", key_path="cases")
