"""The cache key is everything the backend receives: the request for API and local models
(unchanged, so existing caches stay valid), the whole case and the suite vars for a Python
pipeline, which may read fields the prompt never uses."""
from __future__ import annotations

from pathlib import Path

from evalkit.backends.base import BackendEnv, ModelRef, create_backend
from evalkit.runner.run import cache_key
from evalkit.types import Call, Case, Request, sha256_hex

PIPELINE = "def answer(vars, case):\n    return vars.get('prompt', '') + case.id\n"


def _call(case: Case, suite_vars=None) -> Call:
    return Call(case, 0, Request(prompt="same prompt"), {"temperature": 0}, suite_vars or {})


def test_a_request_only_backend_keys_as_before():
    call = _call(Case("c1", {"question": "q", "unused": "x"}), {"prompt": "v1"})
    backend = create_backend(ModelRef("openai", "m"), {"api_base": "http://127.0.0.1:9/v1"},
                             BackendEnv(Path.cwd()))
    key = cache_key("fp", call, backend.cache_inputs(call))
    assert key == sha256_hex("fp", {"prompt": "same prompt"}, {"temperature": 0}, 0)
    other = _call(Case("c2", {"question": "q", "unused": "y"}), {"prompt": "v2"})
    assert cache_key("fp", other, backend.cache_inputs(other)) == key  # it sees the request only


def test_a_python_pipeline_keys_on_every_case_field_and_the_suite_vars(tmp_path):
    (tmp_path / "keyed_pipe.py").write_text(PIPELINE, encoding="utf-8")
    backend = create_backend(ModelRef("python", "keyed_pipe:answer"), {"path": str(tmp_path)},
                             BackendEnv(tmp_path))
    base = _call(Case("c1", {"question": "q", "format": "json"}, target="t", metadata={"l": "en"}),
                 {"prompt": "v1"})

    def key(call):
        return cache_key("fp", call, backend.cache_inputs(call))

    variants = [
        _call(Case("c1", {"question": "q", "format": "text"}, target="t", metadata={"l": "en"}),
              {"prompt": "v1"}),  # a field the prompt does not use
        _call(Case("c1", {"question": "q", "format": "json"}, target="u", metadata={"l": "en"}),
              {"prompt": "v1"}),  # the target
        _call(Case("c1", {"question": "q", "format": "json"}, target="t", metadata={"l": "fr"}),
              {"prompt": "v1"}),  # the metadata
        _call(Case("c1", {"question": "q", "format": "json"}, target="t", metadata={"l": "en"}),
              {"prompt": "v2"}),  # a suite var
    ]
    assert len({key(base), *map(key, variants)}) == 5
    assert key(base) == key(_call(Case("c1", {"format": "json", "question": "q"}, target="t",
                                       metadata={"l": "en"}), {"prompt": "v1"}))
    # and the var reaches the pipeline, merged under the case's own fields (the key needed no
    # import of the pipeline: only a run loads it)
    backend.load()
    args, kwargs = backend._arguments(base)
    assert kwargs["vars"] == {"prompt": "v1", "question": "q", "format": "json"}
    shadowed = _call(Case("c1", {"prompt": "mine"}), {"prompt": "v1"})
    assert backend._arguments(shadowed)[1]["vars"]["prompt"] == "mine"


def test_keys_are_the_same_bytes_as_every_earlier_version():
    """Pinned: a cache (and suite hashes) written by an earlier evalkit still match after the
    hashing was made faster (one shared JSON encoder instead of json.dumps per value)."""
    import datetime

    assert sha256_hex("fp", {"prompt": "Grüße, 世界 🌍"}, {"temperature": 0, "stop": ["\n"]}, 3) \
        == "e38c4ec51d33b8a3cbc6396673aac7472e650ca2842b71440a3d7ce53243f7ea"
    assert sha256_hex({"b": 1, "a": [1.5, None, True]}, datetime.date(2026, 1, 2)) \
        == "ce6631fa0ed63e586a0888556170cd956ea95ef4e57bcd3c7e47ff24b5fcfc64"
