"""Cases: inline lists, JSONL, JSON, CSV, renaming, metadata, hash ids, limit and sample."""
from __future__ import annotations

import json
import re

from evalkit.suite import load_suite
from evalkit.types import Message, Request

from .helpers import check_problem, load_error, write, write_jsonl

QUESTIONS = [{"id": f"q{i:02d}", "question": f"question {i}", "answer": f"answer {i}",
              "lang": "en" if i % 3 else "fr"} for i in range(40)]


def jsonl_suite(tmp_path, extra: str = "", records=QUESTIONS):
    """A suite over cases.jsonl; `extra` lines go after `  target: answer` (line 5)."""
    write_jsonl(tmp_path / "cases.jsonl", records)
    path = tmp_path / "suite.yaml"
    path.write_text('suite: s\nprompt: "{{ question }}"\ncases:\n  from: cases.jsonl\n'
                    f"  target: answer\n{extra}\n", encoding="utf-8")
    return path


def test_inline_reserved_keys_and_vars(tmp_path):
    path = write(tmp_path / "suite.yaml", """
        suite: inline
        prompt: "{{ question }} ({{ hint }})"
        cases:
          - id: capital-fr
            question: Capital of France?
            hint: one word
            target: Paris
            metadata: {lang: en, tier: gold}
          - id: 7
            question: Two plus two?
            hint: a number
            target: "4"
        """)
    suite = load_suite(path)
    first, second = suite.cases
    assert first.id == "capital-fr"
    assert dict(first.vars) == {"question": "Capital of France?", "hint": "one word"}
    assert first.target == "Paris"
    assert dict(first.metadata) == {"lang": "en", "tier": "gold"}
    assert first.source == f"{path}:4:5"
    assert second.id == "7"  # an int id becomes the string join key
    assert second.target == "4" and dict(second.metadata) == {}
    assert suite.requests["capital-fr"] == Request(
        messages=(Message("user", "Capital of France? (one word)"),))


def test_jsonl_target_fields_and_metadata(tmp_path):
    path = jsonl_suite(tmp_path, "  metadata: [lang]\nslices: [lang]")
    suite = load_suite(path)
    assert len(suite.cases) == 40
    case = suite.cases[1]
    assert case.id == "q01" and case.target == "answer 1"
    assert dict(case.metadata) == {"lang": "en"}
    assert suite.cases[0].metadata == {"lang": "fr"}
    # metadata fields stay visible as vars; the target field does not.
    assert dict(case.vars) == {"question": "question 1", "lang": "en"}
    assert case.source == f"{tmp_path / 'cases.jsonl'}:2:1"


def test_jsonl_metadata_object_and_custom_id_field(tmp_path):
    write_jsonl(tmp_path / "c.jsonl", [
        {"key": "k1", "q": "a", "metadata": {"lang": "de"}},
        {"key": "k2", "q": "b", "metadata": {"lang": "en"}, "id": "ignored-as-var"}])
    path = write(tmp_path / "suite.yaml", """
        suite: s
        prompt: "{{ q }}"
        cases: {from: c.jsonl, id: key}
        slices: [lang]
        """)
    suite = load_suite(path)
    assert [c.id for c in suite.cases] == ["k1", "k2"]
    assert [dict(c.metadata) for c in suite.cases] == [{"lang": "de"}, {"lang": "en"}]
    assert dict(suite.cases[1].vars) == {"q": "b", "id": "ignored-as-var"}


def test_json_array_with_line_numbers(tmp_path):
    data = tmp_path / "c.json"
    data.write_text(json.dumps([{"id": "a", "q": "1", "t": ["x", "y"]},
                                {"id": "b", "q": "2", "t": "z"}], indent=2), encoding="utf-8")
    path = write(tmp_path / "suite.yaml", """
        suite: s
        prompt: "{{ q }}"
        cases: {from: c.json, target: t}
        """)
    suite = load_suite(path)
    assert [(c.id, c.target) for c in suite.cases] == [("a", ["x", "y"]), ("b", "z")]
    assert [c.source for c in suite.cases] == [f"{data}:2:3", f"{data}:10:3"]


def test_json_array_duplicate_id_points_at_the_record(tmp_path):
    data = tmp_path / "c.json"
    data.write_text('[\n  {"id": "a", "q": 1},\n  {"id": "b", "q": 2},\n  {"id": "a", "q": 3}\n]\n',
                    encoding="utf-8")
    path = write(tmp_path / "suite.yaml", 'suite: s\nprompt: "{{ q }}"\ncases: {from: c.json}\n')
    check_problem(load_error(path), file=data, line=4, col=3, message="duplicate case id 'a'",
                  source='  {"id": "a", "q": 3}', hint=f"first used at {data}:2:3")


def test_json_that_is_not_an_array_of_objects(tmp_path):
    data = tmp_path / "c.json"
    data.write_text('{"id": "a"}', encoding="utf-8")
    path = write(tmp_path / "suite.yaml", 'suite: s\nprompt: "{{ q }}"\ncases: {from: c.json}\n')
    check_problem(load_error(path), file=data, line=1, col=1,
                  message="expected a JSON array of objects", hint="or use JSONL")


def test_truncated_json_file(tmp_path):
    data = tmp_path / "c.json"
    data.write_text('[\n  {"id": "a", "q": 1},\n', encoding="utf-8")
    path = write(tmp_path / "suite.yaml", 'suite: s\nprompt: "{{ q }}"\ncases: {from: c.json}\n')
    check_problem(load_error(path), file=data, line=3, col=1, message="invalid JSON")


def test_csv_cases(tmp_path):
    data = tmp_path / "c.csv"
    data.write_text('id,question,answer,lang\nr1,"Hello, world",hi,en\nr2,"two\nlines",x,fr\n'
                    "r3,third,y,en\n", encoding="utf-8")
    path = write(tmp_path / "suite.yaml", """
        suite: s
        prompt: "{{ question }}"
        cases:
          from: c.csv
          target: answer
          metadata: [lang]
        """)
    suite = load_suite(path)
    assert [c.id for c in suite.cases] == ["r1", "r2", "r3"]
    assert [c.target for c in suite.cases] == ["hi", "x", "y"]
    assert suite.cases[1].vars["question"] == "two\nlines"
    assert [c.source for c in suite.cases] == [f"{data}:2:1", f"{data}:3:1", f"{data}:5:1"]
    assert suite.requests["r1"].messages[0].content == "Hello, world"


def test_fields_renaming(tmp_path):
    write_jsonl(tmp_path / "c.jsonl", [{"id": "a", "prompt_text": "P1", "gold": "G1"}])
    path = write(tmp_path / "suite.yaml", """
        suite: s
        prompt: "Q: {{ question }}"
        cases:
          from: c.jsonl
          target: gold
          fields: {question: prompt_text}
        """)
    suite = load_suite(path)
    assert suite.cases[0].vars["question"] == "P1"
    assert suite.cases[0].target == "G1"
    assert suite.requests["a"].messages[0].content == "Q: P1"


def test_renamed_field_missing_in_a_record(tmp_path):
    data = write_jsonl(tmp_path / "c.jsonl", [{"id": "a", "text": "P1"}, {"id": "b", "txt": "P2"}])
    path = write(tmp_path / "suite.yaml", """
        suite: s
        prompt: "{{ question }}"
        cases: {from: c.jsonl, fields: {question: text}}
        """)
    error = load_error(path)
    assert len(error.problems) == 1
    check_problem(error, file=data, line=2, col=1, message="record has no field 'text'",
                  source='{"id": "b", "txt": "P2"}', hint="fields present: id, txt")


def test_content_hash_ids(tmp_path):
    records = [{"q": "alpha", "a": "A"}, {"q": "beta", "a": "B"}]
    write_jsonl(tmp_path / "c.jsonl", records)
    path = write(tmp_path / "suite.yaml", """
        suite: s
        prompt: "{{ q }}"
        cases: {from: c.jsonl, target: a}
        """)
    ids = [c.id for c in load_suite(path).cases]
    assert all(re.fullmatch(r"[0-9a-f]{12}", i) for i in ids), ids
    assert ids[0] != ids[1]
    assert [c.id for c in load_suite(path).cases] == ids  # stable across loads
    # Reordering the file keeps each case's id (ids are content, not position).
    write_jsonl(tmp_path / "c.jsonl", records[::-1])
    assert [c.id for c in load_suite(path).cases] == ids[::-1]
    # Changing an input or the target changes that case's id only.
    write_jsonl(tmp_path / "c.jsonl", [{"q": "alpha!", "a": "A"}, records[1]])
    changed = [c.id for c in load_suite(path).cases]
    assert changed[0] != ids[0] and changed[1] == ids[1]
    write_jsonl(tmp_path / "c.jsonl", [{"q": "alpha", "a": "A2"}, records[1]])
    assert load_suite(path).cases[0].id not in (ids[0], changed[0])


def test_content_hash_ids_inline_and_duplicates(tmp_path):
    path = write(tmp_path / "suite.yaml", """
        suite: s
        prompt: "{{ q }}"
        cases:
          - {q: same, target: t}
          - {q: other, target: t}
          - {q: same, target: t}
        """)
    error = load_error(path)  # identical content gives identical ids: a duplicate
    assert len(error.problems) == 1
    check_problem(error, file=path, line=6, col=5, message="duplicate case id",
                  source="  - {q: same, target: t}", hint=f"first used at {path}:4:5")


def test_limit_keeps_the_first_cases(tmp_path):
    suite = load_suite(jsonl_suite(tmp_path, "  limit: 5"))
    assert [c.id for c in suite.cases] == ["q00", "q01", "q02", "q03", "q04"]
    assert set(suite.requests) == {"q00", "q01", "q02", "q03", "q04"}
    assert len(load_suite(jsonl_suite(tmp_path, "  limit: 500")).cases) == 40


def test_seeded_sample(tmp_path):
    def sample(seed_line: str) -> list[str]:
        return [c.id for c in load_suite(jsonl_suite(tmp_path, seed_line)).cases]

    first = sample("  sample: 8\n  seed: 1")
    assert len(first) == 8 and len(set(first)) == 8
    assert first == sorted(first)  # file order is kept
    assert sample("  sample: 8\n  seed: 1") == first  # same seed, same selection
    assert sample("  sample: 8\n  seed: 2") != first  # 1 in C(40, 8) chance to collide
    # Without a source seed the suite's seed is used.
    assert sample("  sample: 8\nseed: 1") == first
    assert sample("  sample: 8\nseed: 2") == sample("  sample: 8\n  seed: 2")
    # A sample at least as large as the file keeps everything; limit applies after sampling.
    assert len(sample("  sample: 40")) == 40
    assert sample("  sample: 8\n  seed: 1\n  limit: 3") == first[:3]


def test_sample_runs_after_duplicate_check(tmp_path):
    records = [*QUESTIONS[:10], {"id": "q03", "question": "again", "answer": "x", "lang": "en"}]
    error = load_error(jsonl_suite(tmp_path, "  sample: 2\n  seed: 0", records=records))
    check_problem(error, file=tmp_path / "cases.jsonl", line=11, col=1,
                  message="duplicate case id 'q03'")


def test_list_targets(tmp_path):
    write_jsonl(tmp_path / "c.jsonl", [{"id": "a", "q": "capital?", "answers": ["Paris", "paris"]}])
    path = write(tmp_path / "suite.yaml", """
        suite: s
        prompt: "{{ q }}"
        cases: {from: c.jsonl, target: answers}
        scorers: [{type: exact}]
        """)
    assert load_suite(path).cases[0].target == ["Paris", "paris"]
    inline = write(tmp_path / "inline.yaml", """
        suite: s
        prompt: "{{ q }}"
        cases:
          - id: a
            q: capital?
            target: [Paris, Paname]
        """)
    assert load_suite(inline).cases[0].target == ["Paris", "Paname"]


def test_a_target_field_no_record_has_is_one_problem_at_the_suite_line(tmp_path):
    write_jsonl(tmp_path / "c.jsonl", [{"id": "a", "q": 1, "answers": 2}, {"id": "b", "q": 2}])
    path = write(tmp_path / "suite.yaml", 'suite: s\nprompt: "{{ q }}"\n'
                                          "cases: {from: c.jsonl, target: answer}\n")
    error = load_error(path)
    assert len(error.problems) == 1  # every record lacks it: said once, where the suite names it
    check_problem(error, file=path, line=3, col=32,
                  message="none of the 2 records of c.jsonl has a field 'answer' (lines 1, 2)",
                  hint="did you mean 'answers'? fields present: answers, id, q")


def test_slices_must_name_a_metadata_key(tmp_path):
    assert load_suite(jsonl_suite(tmp_path, "  metadata: [lang]\nslices: [lang]")).spec.slices \
        == ["lang"]
    path = jsonl_suite(tmp_path, "  metadata: [lang]\nslices: [lang, tier]")
    error = load_error(path)
    assert len(error.problems) == 1
    check_problem(error, file=path, line=7, col=16, message="slice key 'tier' is in no case's",
                  key_path="slices", source="slices: [lang, tier]", hint="expected one of: lang")
    # A key that is a var but not metadata is not a slice key.
    error = load_error(jsonl_suite(tmp_path, "slices: [lang]"))
    assert error.problems[0].message == "slice key 'lang' is in no case's metadata"
