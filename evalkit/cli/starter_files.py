"""The files `evalkit init` writes: a suite with golden answers, its cases, a tiny Python
pipeline, a pytest ini and a README. The suite runs as is against the embedded gemma-3-270m
(`pip install 'evalkit[local]'`) and against the pipeline, so the first compare works too."""
from __future__ import annotations

SUITE = """\
# A starter suite: short questions with golden answers (cases in starter.cases.jsonl).
# Run it against the embedded gemma-3-270m, or against the pipeline in ../pipelines:
#   evalkit run suites/starter.yaml -m llamacpp/gemma3-270m --label gemma
#   evalkit run suites/starter.yaml -m python/starter_pipeline:answer -M path=pipelines --label pipeline
#   evalkit compare gemma pipeline
# The prompt is a few-shot completion: a 270M base model follows a pattern far better than an
# instruction. Edit the cases, add scorers (evalkit list scorers), add gates, and rerun.
suite: starter
description: Capitals, colours and authors, answered in a word or two.
prompt:
  completion: |-
    Q: What is the capital of Germany?
    A: Berlin
    Q: What colour is snow?
    A: White
    Q: {{ question }}
    A:
options: {temperature: 0, max_tokens: 16, stop: ["\\n"], seed: 0}
cases:
  from: starter.cases.jsonl
  target: answer
  metadata: [topic]
slices: [topic]
scorers:
  - {type: contains}
  - {type: exact, name: exact-ci, case_sensitive: false}
"""

CASES = [
    ("capital-fr", "What is the capital of France?", "Paris", "geography"),
    ("capital-jp", "What is the capital of Japan?", "Tokyo", "geography"),
    ("capital-it", "What is the capital of Italy?", "Rome", "geography"),
    ("sky-colour", "What colour is a clear daytime sky?", "blue", "colours"),
    ("grass-colour", "What colour is fresh grass?", "green", "colours"),
    ("romeo", "Who wrote Romeo and Juliet?", "Shakespeare", "literature"),
]

PIPELINE = '''\
"""A tiny pipeline: look the question up in a small knowledge base (your retrieval and model
calls go here). evalkit passes the parameters it declares by name: `vars` holds the case's
fields (see the evalkit README, "Your own pipeline").

    evalkit run suites/starter.yaml -m python/starter_pipeline:answer -M path=pipelines
"""

FACTS = {
    "capital of france": "Paris",
    "capital of japan": "Tokyo",
    "capital of italy": "Rome",
    "daytime sky": "Blue",
    "grass": "Green",
}


def answer(vars):
    question = str(vars.get("question", "")).lower()
    for key, fact in FACTS.items():
        if key in question:
            return {"text": fact, "context": [{"id": key, "text": fact}]}
    return "I don't know."
'''

PYTEST_INI = """\
# `pytest` runs every suite under suites/ as test items (the evalkit plugin), against the
# model below; override it with --evalkit-model, e.g. python/starter_pipeline:answer
# with --evalkit-model-option path=pipelines.
[pytest]
evalkit_suites = suites/*.yaml
evalkit_model = llamacpp/gemma3-270m
evalkit_db = reports/evalkit.duckdb
"""

README = """\
# evalkit starter

```bash
evalkit run suites/starter.yaml -m llamacpp/gemma3-270m --label gemma
evalkit run suites/starter.yaml -m python/starter_pipeline:answer -M path=pipelines --label pipeline
evalkit compare gemma pipeline --report reports/starter.html
pytest                      # the same suite as test items (pytest.ini names the model)
evalkit doctor              # what is installed, and what to fix
```

- `suites/starter.yaml`: the suite (prompt, options, scorers); `suites/starter.cases.jsonl`:
  its cases, one JSON object a line, with golden answers in `answer`.
- `pipelines/starter_pipeline.py`: your own pipeline, evaluated like a model.
- Results go to `reports/evalkit.duckdb`: `evalkit runs`, `evalkit show gemma`.
"""


def files() -> dict[str, str]:
    """Relative path -> content of every starter file."""
    import json

    cases = "".join(json.dumps({"id": i, "question": q, "answer": a, "topic": t}) + "\n"
                    for i, q, a, t in CASES)
    return {"suites/starter.yaml": SUITE, "suites/starter.cases.jsonl": cases,
            "pipelines/starter_pipeline.py": PIPELINE, "pytest.ini": PYTEST_INI,
            "README.md": README}
