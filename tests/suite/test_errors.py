"""Fail closed: every bad suite is a SuiteError with file:line:col, key path, source line, hint."""
from __future__ import annotations

from evalkit.errors import EXIT_USAGE, SuiteError

from .helpers import check_problem, load_error, write_jsonl

GOOD_HEAD = 'suite: s\nprompt: "{{ q }}"\ncases:\n  - {id: a, q: x, target: y}\n'


def suite_file(tmp_path, text: str, name: str = "suite.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_suite_error_is_a_usage_error(tmp_path):
    error = load_error(suite_file(tmp_path, GOOD_HEAD + "scorrers: []\n"))
    assert isinstance(error, SuiteError)
    assert error.exit_code == EXIT_USAGE == 2


def test_unknown_top_level_key_suggests_the_real_one(tmp_path):
    path = suite_file(tmp_path, GOOD_HEAD + "scorrers:\n  - type: exact\n")
    error = load_error(path)
    assert len(error.problems) == 1
    check_problem(error, file=path, line=5, col=1, message="unknown key 'scorrers'",
                  key_path="scorrers", source="scorrers:", hint="did you mean 'scorers'?")


def test_unknown_key_without_close_match_lists_the_valid_keys(tmp_path):
    path = suite_file(tmp_path, GOOD_HEAD + "zzz: 1\n")
    check_problem(load_error(path), file=path, line=5, col=1, message="unknown key 'zzz'",
                  key_path="zzz", source="zzz: 1",
                  hint="expected one of: budget, cases, compare, counterfactuals, description, "
                       "gates, human, options, prompt, samples, scorers, seed, slices, suite, "
                       "vars, version, waivers")


def test_unknown_key_in_options(tmp_path):
    path = suite_file(tmp_path, GOOD_HEAD + "options:\n  max_tokens: 5\n  temprature: 0\n")
    check_problem(load_error(path), file=path, line=7, col=3, message="unknown key 'temprature'",
                  key_path="options.temprature", source="  temprature: 0",
                  hint="did you mean 'temperature'?")


def test_unknown_key_in_cases_source(tmp_path):
    write_jsonl(tmp_path / "c.jsonl", [{"q": "x", "a": "y"}])
    path = suite_file(tmp_path, 'suite: s\nprompt: "{{ q }}"\ncases:\n  from: c.jsonl\n'
                                "  targt: a\n")
    check_problem(load_error(path), file=path, line=5, col=3, message="unknown key 'targt'",
                  key_path="cases.targt", source="  targt: a", hint="did you mean 'target'?")


def test_unknown_scorer_parameter_in_flow_mapping(tmp_path):
    path = suite_file(tmp_path, GOOD_HEAD + "scorers:\n  - {type: contains, valu: x}\n")
    error = load_error(path)
    assert len(error.problems) == 1
    check_problem(error, file=path, line=6, col=22, message="unknown key 'valu'",
                  key_path="scorers[0].valu", source="  - {type: contains, valu: x}",
                  hint="did you mean 'value'?")


def test_bad_scorer_parameter_type(tmp_path):
    path = suite_file(tmp_path, GOOD_HEAD + "scorers:\n  - type: exact\n    strip: maybe\n")
    check_problem(load_error(path), file=path, line=7, col=12, message="valid boolean",
                  key_path="scorers[0].strip",
                  source="    strip: maybe")


def test_duplicate_yaml_key_names_the_first_line(tmp_path):
    path = suite_file(tmp_path, "suite: s\nprompt: hi\nsamples: 2\ncases:\n  - {id: a}\n"
                                "samples: 3\n")
    check_problem(load_error(path), file=path, line=6, col=1, message="duplicate key 'samples'",
                  key_path="samples", source="samples: 3", hint="first defined at line 3")


def test_duplicate_nested_yaml_key(tmp_path):
    path = suite_file(tmp_path, GOOD_HEAD + "options: {temperature: 0, temperature: 1}\n")
    check_problem(load_error(path), file=path, line=5, col=27,
                  message="duplicate key 'temperature'", key_path="options.temperature",
                  source="options: {temperature: 0, temperature: 1}",
                  hint="first defined at line 5")


def test_duplicate_inline_case_id(tmp_path):
    path = suite_file(tmp_path, 'suite: s\nprompt: "{{ q }}"\ncases:\n'
                                "  - {id: a, q: x}\n  - {id: b, q: y}\n  - {id: a, q: z}\n")
    error = load_error(path)
    assert len(error.problems) == 1
    check_problem(error, file=path, line=6, col=5, message="duplicate case id 'a'",
                  source="  - {id: a, q: z}", hint=f"first used at {path}:4:5")


def test_duplicate_case_id_in_jsonl_points_at_the_second_record(tmp_path):
    jsonl = write_jsonl(tmp_path / "c.jsonl", [
        {"id": "a", "q": "1"}, {"id": "b", "q": "2"}, {"id": "c", "q": "3"},
        {"id": "b", "q": "4"}])
    path = suite_file(tmp_path, 'suite: s\nprompt: "{{ q }}"\ncases:\n  from: c.jsonl\n')
    error = load_error(path)
    assert len(error.problems) == 1
    check_problem(error, file=jsonl, line=4, col=1, message="duplicate case id 'b'",
                  source='{"id": "b", "q": "4"}', hint=f"first used at {jsonl}:2:1")


def test_unknown_scorer_type_suggests_a_registered_one(tmp_path):
    path = suite_file(tmp_path, GOOD_HEAD + "scorers:\n  - type: exactt\n")
    check_problem(load_error(path), file=path, line=6, col=11,
                  message="unknown scorer type 'exactt'", key_path="scorers[0].type",
                  source="  - type: exactt", hint="did you mean 'exact'?")


def test_missing_case_file(tmp_path):
    path = suite_file(tmp_path, 'suite: s\nprompt: "{{ q }}"\ncases:\n  from: golden/nope.jsonl\n')
    check_problem(load_error(path), file=path, line=4, col=9,
                  message=f"case file not found: {tmp_path / 'golden' / 'nope.jsonl'}",
                  key_path="cases.from", source="  from: golden/nope.jsonl",
                  hint="paths are relative to the suite file")


def test_bad_jsonl_line_points_into_the_jsonl(tmp_path):
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text('{"id": "a", "q": "1"}\n\n{"id": "b", "q": }\n', encoding="utf-8")
    path = suite_file(tmp_path, 'suite: s\nprompt: "{{ q }}"\ncases:\n  from: c.jsonl\n')
    check_problem(load_error(path), file=jsonl, line=3, col=18, message="invalid JSON",
                  source='{"id": "b", "q": }', hint="each line must be one JSON object")


def test_jsonl_line_that_is_not_an_object(tmp_path):
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text('{"id": "a", "q": "1"}\n["b", 2]\n', encoding="utf-8")
    path = suite_file(tmp_path, 'suite: s\nprompt: "{{ q }}"\ncases:\n  from: c.jsonl\n')
    check_problem(load_error(path), file=jsonl, line=2, col=1,
                  message="expected a JSON object, got list", source='["b", 2]')


def test_csv_row_with_too_many_cells(tmp_path):
    csv = tmp_path / "c.csv"
    csv.write_text('id,q\na,"multi\nline"\nb,x,extra\n', encoding="utf-8")
    path = suite_file(tmp_path, 'suite: s\nprompt: "{{ q }}"\ncases:\n  from: c.csv\n')
    # Row b starts on line 4: the quoted cell of row a spans lines 2-3.
    check_problem(load_error(path), file=csv, line=4, col=1,
                  message="row has more cells than the header", source="b,x,extra")


def test_csv_duplicate_id_and_missing_target_column(tmp_path):
    csv = tmp_path / "c.csv"
    csv.write_text("id,q\na,1\nb,2\na,3\n", encoding="utf-8")
    path = suite_file(tmp_path, 'suite: s\nprompt: "{{ q }}"\ncases:\n  from: c.csv\n')
    check_problem(load_error(path), file=csv, line=4, col=1, message="duplicate case id 'a'",
                  source="a,3", hint=f"first used at {csv}:2")
    path.write_text('suite: s\nprompt: "{{ q }}"\ncases:\n  from: c.csv\n  target: answer\n',
                    encoding="utf-8")
    error = load_error(path)
    assert len(error.problems) == 1  # the records that lack it, grouped at the suite's line
    check_problem(error, file=path, line=5, col=11,
                  message="none of the 3 records of c.csv has a field 'answer' (lines 2, 3, 4)",
                  key_path="cases.target", source="  target: answer",
                  hint="fields present: id, q")
    csv.write_text("id,q,answer\na,1,x\nb,2\n", encoding="utf-8")  # one short row: its line
    assert "fewer cells" in load_error(path).problems[0].message
    csv.write_text("id,q\na,1\n", encoding="utf-8")  # one record: the record's own line
    check_problem(load_error(path), file=csv, line=2, col=1,
                  message="record has no field 'answer'", source="a,1")


def test_python_tags_are_refused_and_run_nothing(tmp_path):
    marker = tmp_path / "ran"
    path = suite_file(tmp_path, GOOD_HEAD
                      + f"options:\n  extra: !!python/object/apply:os.system ['touch {marker}']\n")
    check_problem(load_error(path), file=path, line=6, col=10,
                  message="tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed",
                  key_path="options.extra",
                  source=f"  extra: !!python/object/apply:os.system ['touch {marker}']",
                  hint="tags such as !!python/... are not allowed")
    assert not marker.exists()


def test_python_object_tag_on_a_mapping_is_refused(tmp_path):
    # options.extra accepts any mapping: a tag that was silently dropped would load.
    path = suite_file(tmp_path, GOOD_HEAD + "options:\n  extra: !!python/object:os.system {}\n")
    check_problem(load_error(path), file=path, line=6, col=10, message="is not allowed",
                  key_path="options.extra", source="  extra: !!python/object:os.system {}",
                  hint="!!python/")


def test_python_tag_on_a_scalar_is_refused(tmp_path):
    path = suite_file(tmp_path, GOOD_HEAD + "description: !!python/name:os.system ''\n")
    check_problem(load_error(path), file=path, line=5, col=14, message="cannot read this value",
                  key_path="description", source="description: !!python/name:os.system ''",
                  hint="tags such as !!python/... are not allowed")


def test_custom_tag_on_inline_case_var_is_refused(tmp_path):
    path = suite_file(tmp_path, 'suite: s\nprompt: "{{ q }}"\ncases:\n  - {id: a, q: !foo [1]}\n')
    check_problem(load_error(path), file=path, line=4, col=16, message="tag '!foo'",
                  key_path="cases[0].q", source="  - {id: a, q: !foo [1]}")


def test_invalid_yaml_syntax(tmp_path):
    path = suite_file(tmp_path, "suite: s\nprompt: hi: there\ncases: []\n")
    error = load_error(path)
    assert len(error.problems) == 1
    check_problem(error, file=path, line=2, col=11,
                  message="invalid YAML: mapping values are not allowed here",
                  source="prompt: hi: there", hint="check indentation and quoting")


def test_invalid_yaml_bad_indentation(tmp_path):
    path = suite_file(tmp_path, 'suite: s\nprompt: "{{ q }}"\n  user: hi\ncases: []\n')
    check_problem(load_error(path), file=path, line=3, col=3, message="invalid YAML: expected",
                  source="  user: hi", hint="check indentation and quoting")


def test_invalid_yaml_unclosed_quote_points_where_it_opens(tmp_path):
    # PyYAML notices at the end of the file; the useful line is where the quote began.
    path = suite_file(tmp_path, "suite: s\nprompt: 'unclosed\ncases: []\n")
    error = load_error(path)
    assert len(error.problems) == 1
    check_problem(error, file=path, line=2, col=9,
                  message="invalid YAML: found unexpected end of stream while scanning a quoted",
                  source="prompt: 'unclosed", hint="check indentation and quoting")


def test_wrong_types_are_all_reported(tmp_path):
    path = suite_file(tmp_path, GOOD_HEAD + 'samples: "x"\noptions:\n  temperature: 5\n')
    error = load_error(path)
    assert len(error.problems) == 2
    check_problem(error, index=0, file=path, line=5, col=10,
                  message="Input should be a valid integer", key_path="samples",
                  source='samples: "x"')
    assert "(got 'x')" in error.problems[0].message
    check_problem(error, index=1, file=path, line=7, col=16,
                  message="Input should be less than or equal to 2 (got 5)",
                  key_path="options.temperature", source="  temperature: 5")


def test_all_problems_are_reported_not_just_the_first(tmp_path):
    path = suite_file(tmp_path, 'suite: s\nprompt: "{{ q }}"\nsamples: 0\nbogus: 1\n'
                                "options: {temperature: 9, tmp: 1}\ncases:\n  - {id: a, q: x}\n")
    error = load_error(path)
    got = [(p.location.line, p.location.col, p.key_path) for p in error.problems]
    assert got == [(3, 10, "samples"), (4, 1, "bogus"), (5, 24, "options.temperature"),
                   (5, 27, "options.tmp")]
    assert str(error).count(": error: ") == 4


def test_problems_from_scorers_cases_and_slices_are_collected_together(tmp_path):
    path = suite_file(tmp_path, 'suite: s\nprompt: "{{ q }}"\ncases:\n  from: nope.jsonl\n'
                                "scorers:\n  - type: exactt\n  - {type: contains, valu: x}\n"
                                "slices: [lang]\n")
    error = load_error(path)
    assert [(p.location.line, p.key_path) for p in error.problems] == [
        (6, "scorers[0].type"), (7, "scorers[1].valu"), (4, "cases.from")]


def test_empty_file(tmp_path):
    for text in ("", "# only a comment\n\n"):
        path = suite_file(tmp_path, text)
        error = load_error(path)
        assert len(error.problems) == 1
        check_problem(error, file=path, line=1, col=1, message="the file is empty",
                      hint="a suite needs at least 'suite', 'prompt' and 'cases'")


def test_top_level_list(tmp_path):
    path = suite_file(tmp_path, "- suite: s\n- prompt: hi\n")
    check_problem(load_error(path), file=path, line=1, col=1,
                  message="a suite file must be a YAML mapping", source="- suite: s",
                  hint="start with 'suite: NAME'")


def test_top_level_scalar(tmp_path):
    path = suite_file(tmp_path, "just text\n")
    check_problem(load_error(path), file=path, line=1, col=1,
                  message="a suite file must be a YAML mapping", source="just text")


def test_missing_required_keys(tmp_path):
    path = suite_file(tmp_path, "suite: s\ndescription: no prompt, no cases\n")
    error = load_error(path)
    assert {p.message for p in error.problems} == {
        "missing required key 'prompt'", "missing required key 'cases'"}
    for problem in error.problems:
        assert problem.key_path == "(top level)"
        assert (problem.location.line, problem.location.col) == (1, 1)


def test_prompt_given_in_two_forms(tmp_path):
    path = suite_file(tmp_path, "suite: s\nprompt:\n  user: hi\n  completion: hi\n"
                                "cases:\n  - {id: a}\n")
    check_problem(load_error(path), file=path, line=3, col=3,
                  message="give exactly one of 'user' (with optional 'system'), 'messages' or "
                          "'completion'; found user, completion",
                  key_path="prompt", source="  user: hi")


def test_system_without_user(tmp_path):
    path = suite_file(tmp_path, "suite: s\nprompt:\n  system: be brief\n  completion: hi\n"
                                "cases:\n  - {id: a}\n")
    check_problem(load_error(path), file=path, line=3, col=3,
                  message="'system' goes with 'user'", key_path="prompt")


def test_template_syntax_error_in_block_scalar_points_at_its_suite_line(tmp_path):
    path = suite_file(tmp_path, "suite: s\nprompt:\n  system: be brief\n  user: |\n"
                                "    Question:\n    {{ q }\n    Answer:\ncases:\n  - {id: a, q: x}\n")
    error = load_error(path)
    assert len(error.problems) == 1
    check_problem(error, file=path, line=6, col=1, message="template syntax error: unexpected '}'",
                  key_path="prompt.user", source="    {{ q }")


def test_template_syntax_error_in_quoted_single_line_prompt(tmp_path):
    path = suite_file(tmp_path, 'suite: s\ndescription: d\nprompt: "Q: {{ q }}\\nA: {% if %}"\n'
                                "cases:\n  - {id: a, q: x}\n")
    # Template line 2 comes from a "\n" escape: it is still suite line 3, not line 4.
    check_problem(load_error(path), file=path, line=3, col=1, message="template syntax error",
                  key_path="prompt.user", source='prompt: "Q: {{ q }}\\nA: {% if %}"')


def test_template_syntax_error_in_a_message(tmp_path):
    path = suite_file(tmp_path, "suite: s\nprompt:\n  messages:\n    - role: system\n"
                                "      content: ok\n    - role: user\n      content: |-\n"
                                "        one\n        two {% for %}\ncases:\n  - {id: a}\n")
    check_problem(load_error(path), file=path, line=9, col=1, message="template syntax error",
                  key_path="prompt.messages[1].content", source="        two {% for %}")


def test_undefined_variable_names_the_case_and_the_template_line(tmp_path):
    path = suite_file(tmp_path, "suite: s\nprompt:\n  user: |\n    Question: {{ q }}\n"
                                "    Context: {{ context }}\ncases:\n  - {id: has-ctx, q: x, "
                                "context: c}\n  - {id: no-ctx, q: y}\n")
    error = load_error(path)
    assert len(error.problems) == 1  # only the case without `context` fails
    problem = check_problem(error, file=path, line=5, col=1,
                            message=f"case 'no-ctx' ({path}:8:5): 'context' is undefined",
                            key_path="prompt.user, template line 2",
                            source="    Context: {{ context }}",
                            hint="every variable the template uses must be set by each case")
    assert "has-ctx" not in problem.message


def test_the_same_failure_in_many_cases_is_one_problem_naming_them(tmp_path):
    cases = "".join(f"  - {{id: c{i}, question: x}}\n" for i in range(25))
    path = suite_file(tmp_path, f'suite: s\nprompt: "{{{{ questoin }}}}"\ncases:\n{cases}')
    error = load_error(path)
    assert len(error.problems) == 1
    check_problem(error, file=path, line=2, col=1,
                  message="'questoin' is undefined in 25 cases: 'c0', 'c1', 'c2', 'c3', 'c4', …",
                  key_path="prompt.user, template line 1",
                  hint="did you mean 'question'? every variable the template uses")


def test_many_different_failures_are_summarised(tmp_path):
    # 25 cases, each failing with its own message (a lookup of its own missing key).
    cases = "".join(f"  - {{id: c{i}, n: k{i}}}\n" for i in range(25))
    path = suite_file(tmp_path, f'suite: s\nprompt: "{{{{ vars[n] }}}}"\ncases:\n{cases}')
    error = load_error(path)
    assert len(error.problems) == 21, [p.message for p in error.problems]
    check_problem(error, index=20, file=path, line=2, col=9,
                  message="... and 5 more cases fail to render")


def test_non_utf8_file(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("suite: s\nprompt: caf\xe9\ncases: []\n".encode("latin-1"))
    error = load_error(path)
    assert len(error.problems) == 1
    check_problem(error, file=path, line=2, col=12, message="file is not valid UTF-8 (byte 0xe9)",
                  source="prompt: caf\ufffd", hint="save the file as UTF-8")


def test_control_character_is_located(tmp_path):
    path = suite_file(tmp_path, GOOD_HEAD + "description: bell\x07here\n")
    check_problem(load_error(path), file=path, line=5, col=18,
                  message="character U+0007 is not allowed")


def test_recursive_alias_is_an_error_not_a_crash(tmp_path):
    path = suite_file(tmp_path, GOOD_HEAD + "options:\n  extra: &loop {again: *loop}\n")
    check_problem(load_error(path), file=path, line=6, col=10,
                  message="an alias refers to the collection that contains it",
                  source="  extra: &loop {again: *loop}")


def test_deep_nesting_is_an_error_not_a_crash(tmp_path):
    for depth in (150, 3000):  # past MAX_DEPTH; and deep enough to overflow PyYAML's composer
        path = suite_file(tmp_path, GOOD_HEAD + "description: " + "[" * depth + "]" * depth
                          + "\n")
        error = load_error(path)
        assert len(error.problems) == 1
        problem = error.problems[0]
        assert "nested more than 100 levels deep" in problem.message
        # The top-level mapping is level 1, so the 100th '[' is the first one too deep.
        assert (problem.location.line, problem.location.col) == (5, 14 + 99)


def test_alias_bomb_is_refused(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 7):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    path = suite_file(tmp_path, GOOD_HEAD + "options:\n  extra:\n"
                      + "".join(f"    {line}\n" for line in lines))
    error = load_error(path)
    assert len(error.problems) == 1
    assert "document expands to more than 200000 nodes" in error.problems[0].message
    assert error.problems[0].location.line is not None


def test_unsupported_case_file_type_points_at_from(tmp_path):
    (tmp_path / "c.txt").write_text("q\n", encoding="utf-8")
    path = suite_file(tmp_path, 'suite: s\nprompt: "{{ q }}"\ncases:\n  from: c.txt\n')
    check_problem(load_error(path), file=path, line=4, col=9,
                  message=f"{tmp_path / 'c.txt'}: unsupported case file type '.txt'",
                  key_path="cases.from", source="  from: c.txt",
                  hint="use .jsonl, .json, .csv, .parquet or a save_to_disk folder")


def test_empty_case_file_has_no_cases(tmp_path):
    (tmp_path / "c.jsonl").write_text("\n", encoding="utf-8")
    path = suite_file(tmp_path, 'suite: s\nprompt: "{{ q }}"\ncases:\n  from: c.jsonl\n')
    check_problem(load_error(path), file=path, line=4, col=3, message="the suite has no cases",
                  key_path="cases")


def test_cases_need_exactly_one_origin(tmp_path):
    path = suite_file(tmp_path, 'suite: s\nprompt: "{{ q }}"\ncases:\n  limit: 3\n')
    check_problem(load_error(path), file=path, line=4, col=3,
                  message="give exactly one of 'from' (a local file or folder) or 'hf'",
                  key_path="cases")


def test_two_scorers_with_one_name(tmp_path):
    path = suite_file(tmp_path, GOOD_HEAD + "scorers:\n  - type: exact\n  - type: exact\n")
    check_problem(load_error(path), file=path, line=6, col=3,
                  message="two scorers are named 'exact'", key_path="scorers",
                  source="  - type: exact")


def test_slice_key_must_be_in_some_case_metadata(tmp_path):
    path = suite_file(tmp_path, 'suite: s\nprompt: "{{ q }}"\ncases:\n'
                                "  - {id: a, q: x, metadata: {language: en}}\nslices: [lang]\n")
    check_problem(load_error(path), file=path, line=5, col=10,
                  message="slice key 'lang' is in no case's metadata", key_path="slices",
                  source="slices: [lang]", hint="did you mean 'language'?")


def test_problem_rendering_parts():
    from evalkit.errors import Location, Problem, did_you_mean

    assert str(Location("a.yaml")) == "a.yaml"
    assert str(Location("a.yaml", 3)) == "a.yaml:3"
    assert str(Location("a.yaml", 3, 7)) == "a.yaml:3:7"
    problem = Problem("bad value", Location("a.yaml", 12, 3, "  key: value\n"), "x.key",
                      "did you mean 'kay'?")
    assert problem.render() == ("a.yaml:12:3: error: bad value (at x.key)\n"
                                "   12 |   key: value\n"
                                "      |   ^\n"
                                "  hint: did you mean 'kay'?")
    assert Problem("gone", Location("a.yaml")).render() == "a.yaml: error: gone"
    assert did_you_mean("scorrers", ["scorers", "suite"]) == "did you mean 'scorers'?"
    assert did_you_mean("zzz", ["b", "a"]) == "expected one of: a, b"
    assert did_you_mean("zzz", [f"k{i}" for i in range(25)]) == ""  # more than 24: no list


def test_missing_suite_file_has_no_line(tmp_path):
    # The one problem without a line: there is no file to point into.
    path = tmp_path / "nope.yaml"
    error = load_error(path)
    assert len(error.problems) == 1
    assert error.problems[0].location == type(error.problems[0].location)(str(path))
    assert str(error) == f"{path}: error: cannot read file: No such file or directory"


def test_merge_keys_may_override_but_own_keys_may_not_repeat(tmp_path):
    from evalkit.suite import load_suite

    path = suite_file(tmp_path, 'suite: s\nprompt: "{{ q }} {{ tone }}"\ncases:\n'
                                "  - &base {id: a, q: x, tone: calm}\n"
                                "  - {<<: *base, id: b}\n"
                                "  - {<<: *base, id: c, tone: curt}\n")
    suite = load_suite(path)
    assert [(c.id, c.vars["tone"]) for c in suite.cases] == [
        ("a", "calm"), ("b", "calm"), ("c", "curt")]
    path = suite_file(tmp_path, 'suite: s\nprompt: "{{ q }}"\ncases:\n'
                                "  - &base {id: a, q: x}\n  - {<<: *base, id: b, id: c}\n")
    check_problem(load_error(path), file=path, line=5, col=24, message="duplicate key 'id'",
                  key_path="cases[1].id", source="  - {<<: *base, id: b, id: c}",
                  hint="first defined at line 5")


def test_overriding_value_is_located_at_the_override(tmp_path):
    path = suite_file(tmp_path, GOOD_HEAD + "scorers:\n  - &s {type: contains, value: x}\n"
                                            "  - {<<: *s, name: other, all: maybe}\n")
    error = load_error(path)
    assert len(error.problems) == 1
    check_problem(error, file=path, line=7, col=32, message="valid boolean",
                  key_path="scorers[1].all", source="  - {<<: *s, name: other, all: maybe}")


def test_merge_semantics_match_pyyaml():
    import yaml

    from evalkit.suite.yaml_source import parse_yaml

    text = ("a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\n"
            "both: {<<: [*a, *b]}\nboth_rev: {<<: [*b, *a], z: 3}\n"
            "one: &one {<<: *a, x: 9}\nagain: *one\nnested: {<<: *one, w: 0}\n")
    assert parse_yaml(text, "m.yaml").data == yaml.safe_load(text)
    assert parse_yaml(text, "m.yaml").data["both"] == {"x": 1, "y": 1, "z": 2}
