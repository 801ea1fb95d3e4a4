"""Mutated suite files never crash the loader: it loads or raises SuiteError with a line."""
from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalkit.errors import SuiteError
from evalkit.suite import load_suite

from .helpers import write_jsonl

SEEDS = {
    "jsonl.yaml": """\
suite: qa-smoke
description: answers from a JSONL file
prompt: "{{ question }}"
options: {temperature: 0, max_tokens: 16, stop: ["\\n"]}
cases:
  from: cases.jsonl
  target: answer
  metadata: [lang]
scorers:
  - type: exact
  - {type: contains, name: has-answer, case_sensitive: false}
slices: [lang]
""",
    "chat.yaml": """\
suite: chat
version: 2
prompt:
  system: |
    You answer in {{ metadata.lang }}.
  user: |
    Question: {{ q }}
    {% for d in docs %}[{{ d.id }}] {{ d.text }}
    {% endfor %}
samples: 2
seed: 7
cases:
  - id: a
    q: first?
    docs: [{id: d1, text: one}]
    target: ['yes', y]
    metadata: {lang: en}
  - id: b
    q: second?
    docs: []
    target: 'no'
    metadata: {lang: fr}
scorers:
  - {type: contains, value: ['yes', 'no'], all: false}
slices: [lang]
""",
    "messages.yaml": """\
suite: messages
prompt:
  messages:
    - {role: system, content: Be terse.}
    - role: user
      content: "{{ question }} ({{ case_id }})"
cases:
  from: cases.csv
  id: key
  target: gold
  fields: {question: text}
  metadata: [lang]
  sample: 2
  seed: 3
  limit: 2
scorers: [{type: exact, strip: true}]
""",
    "completion.yaml": """\
suite: completion
prompt:
  completion: 'Q: {{ q }}\\nA:'
options:
  temperature: 0.5
  extra: {logprobs: true}
cases:
  - {q: one, target: '1'}
  - {q: two, target: '2'}
""",
}

PUNCTUATION = list(":-[]{}&*!|>'\"#%@`,?~\\ \t\n") + ["  ", "- ", ": ", "{{", "}}", "{%", "%}",
                                                       "!!python/object:os.system ", "&a ", "*a",
                                                       "<<: ", "---\n", "\ufeff", "\x00", "\x07"]
SNIPPET = st.one_of(
    st.lists(st.sampled_from(PUNCTUATION + list(string.ascii_letters + string.digits)),
             min_size=1, max_size=6).map("".join),
    st.text(max_size=6),
)
SCALAR_LINE = re.compile(r"^(\s*(?:- )?[\w.-]+:\s+)(\S.*)$")


@pytest.fixture(scope="module")
def seed_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    write_jsonl(folder / "cases.jsonl", [
        {"id": "fr", "question": "Paris", "answer": "Paris", "lang": "fr"},
        {"id": "it", "question": "Rome", "answer": "Roma", "lang": "it"},
        {"id": "de", "question": "Berlin", "answer": "Berlin", "lang": "de"},
    ])
    (folder / "cases.csv").write_text("key,text,gold,lang\nk1,one,1,en\nk2,\"t,w\no\",2,fr\n"
                                      "k3,three,3,en\n", encoding="utf-8")
    for name, text in SEEDS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_suites_are_valid(seed_dir, name):
    suite = load_suite(seed_dir / name)
    assert suite.cases and len(suite.requests) == len(suite.cases)


def mutate(text: str, data) -> str:
    kind = data.draw(st.sampled_from(
        ["delete", "insert", "duplicate", "swap", "indent", "scalar"]), label="mutation")
    lines = text.split("\n")
    if kind == "delete":
        start = data.draw(st.integers(0, len(text)), label="start")
        end = data.draw(st.integers(start, min(len(text), start + 12)), label="end")
        return text[:start] + text[end:]
    if kind == "insert":
        at = data.draw(st.integers(0, len(text)), label="at")
        return text[:at] + data.draw(SNIPPET, label="inserted") + text[at:]
    line = data.draw(st.integers(0, len(lines) - 1), label="line")
    if kind == "duplicate":
        lines.insert(line, lines[line])
    elif kind == "swap":
        other = data.draw(st.integers(0, len(lines) - 1), label="other")
        lines[line], lines[other] = lines[other], lines[line]
    elif kind == "indent":
        body = lines[line].lstrip(" ")
        lines[line] = " " * data.draw(st.integers(0, 8), label="indent") + body
    else:  # replace one scalar value with random text
        candidates = [i for i, text_ in enumerate(lines) if SCALAR_LINE.match(text_)]
        index = data.draw(st.sampled_from(candidates), label="scalar line")
        match = SCALAR_LINE.match(lines[index])
        lines[index] = match.group(1) + data.draw(SNIPPET, label="value")
    return "\n".join(lines)


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_suites_load_or_fail_with_located_problems(seed_dir, data):
    seed = data.draw(st.sampled_from(sorted(SEEDS)), label="seed")
    text = SEEDS[seed]
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        text = mutate(text, data)
    path = seed_dir / f"mutated-{seed}"
    path.write_text(text, encoding="utf-8", newline="")
    try:
        suite = load_suite(path)
    except SuiteError as exc:
        assert exc.problems, "a SuiteError must carry at least one problem"
        for problem in exc.problems:
            location = problem.location
            assert location.path, problem
            assert Path(location.path).parent == seed_dir, problem  # the suite or its data
            assert isinstance(location.line, int) and location.line >= 1, problem.render()
            assert location.col is None or location.col >= 1, problem.render()
            assert problem.render().startswith(f"{location}: error: ")
        assert str(exc)
    else:
        assert len(suite.requests) == len(suite.cases)
