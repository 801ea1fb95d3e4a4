"""The secret registry (evalkit.redact): what each source registers, how short secrets are
masked without destroying ordinary text, and masking that never fails on non-strings."""
from __future__ import annotations

import base64
import secrets

from pydantic import SecretStr

from evalkit.backends.base import BackendEnv, create_backend, parse_model_args, parse_model_ref
from evalkit.redact import (
    MASK,
    MIN_SECRET_LENGTH,
    redact,
    redact_mapping,
    register,
    register_environment,
    register_options,
    register_url,
    scrub_url,
)


def short(length: int) -> str:
    """A random value of `length` characters that starts with a letter."""
    return "z" + secrets.token_hex(8)[: length - 1]


def test_short_secrets_are_masked_as_whole_tokens_only():
    key = short(4)
    register(key)
    assert redact(f"api-key={key}&x=1") == "api-key=***&x=1"
    assert redact(f'{{"x-api-key": "{key}"}}') == '{"x-api-key": "***"}'
    assert redact(f"Bearer {key}") == "Bearer ***"
    assert redact(f"a{key}b and {key}9") == f"a{key}b and {key}9"  # inside a longer word: kept


def test_long_secrets_are_masked_anywhere_and_tiny_ones_not_at_all():
    key = "L" + secrets.token_hex(6)
    register(key)
    assert redact(f"glued{key}glued") == "glued***glued"
    tiny = short(MIN_SECRET_LENGTH - 1)
    register(tiny)
    assert redact(f"x {tiny} y") == f"x {tiny} y"  # documented: too short to tell from text


def test_placeholders_are_not_secrets():
    register("EMPTY")
    register_options({"api_key": "none", "headers": {"User-Agent": "bot/1.0"}})
    assert redact("EMPTY none bot/1.0") == "EMPTY none bot/1.0"


def test_masking_accepts_any_value():
    number = int("9" + "".join(secrets.choice("12345678") for _ in range(7)))
    register(str(number))
    assert redact(number) == MASK
    assert redact(12.5) == "12.5" and redact(None) is None and redact("") == ""
    assert redact(["a", number]) == "['a', ***]"
    assert redact_mapping({"n": 3, "on": True, "items": [1, None], "api_key": 7}) == {
        "n": 3, "on": True, "items": [1, None], "api_key": MASK}


def test_key_shapes_are_masked_by_redact_itself():
    shape = "sk-" + secrets.token_hex(12)
    assert redact(f"leaked {shape}!") == "leaked ***!"
    assert redact("ask-me about hf_ tokens") == "ask-me about hf_ tokens"


def test_url_credentials_are_registered_and_scrubbed():
    user, password, key = short(5), short(5), short(6)
    url = f"https://{user}:{password}@api.example.com/v1?api-key={key}&api-version=2024-02-01"
    register_url(url)
    basic = base64.b64encode(f"{user}:{password}".encode()).decode()
    for value in (user, password, key, basic):
        assert redact(f"echo {value}.") == "echo ***.", value
    assert scrub_url(url) == "https://***@api.example.com/v1?api-key=***&api-version=2024-02-01"
    assert "2024-02-01" in redact("released 2024-02-01")  # other parameters are not secrets
    assert scrub_url("http://127.0.0.1:8000/v1") == "http://127.0.0.1:8000/v1"


def test_every_option_source_registers_its_secrets(monkeypatch):
    header, nested, env_url_pw = short(4), short(5), short(6)
    args = parse_model_args([f'headers={{"x-api-key": "{header}"}}',
                             f'extra={{"auth": {{"token": "{nested}"}}}}'])
    assert redact(f"{header} {nested}") == "*** ***"
    monkeypatch.setenv("SOME_SERVICE_URL", f"https://svc:{env_url_pw}@svc.example/")
    register_environment()
    assert redact(env_url_pw) == MASK
    judge_header = short(5)
    register_options({"api_base": "http://h/v1", "headers": {"x-judge": SecretStr(judge_header)}})
    assert redact(judge_header) == MASK
    assert args["headers"] == {"x-api-key": header}  # the values themselves are untouched


def test_stored_options_mask_headers_secrets_and_url_credentials():
    password, header = short(6), short(4)
    backend = create_backend(parse_model_ref("openai/m"), {
        "api_base": f"http://u:{password}@127.0.0.1:1/v1?key={short(8)}",
        "api_key": short(6), "headers": {"x-api-key": header, "X-Title": "my-app"}},
        BackendEnv(cwd=None))
    public = backend.options.public()
    assert public["api_key"] == MASK
    assert public["headers"] == {"x-api-key": MASK, "X-Title": "my-app"}  # not a credential
    assert public["api_base"] == "http://***@127.0.0.1:1/v1?key=***"
    assert public["follow_redirects"] == "none"
    assert redact(f"echo {header} {password}") == "echo *** ***"  # registered by the backend
    assert redact("my-app and none") == "my-app and none"


def test_the_store_masks_what_it_is_given(tmp_path):
    """Run rows and run errors (a DuckDB error quoting the offending value) are masked by the
    store itself, whoever wrote the text."""
    from datetime import datetime

    from evalkit.store import Store
    from tests.cli.helpers import query

    key = short(5)
    register(key)
    with Store(tmp_path / "s.duckdb") as store:
        store.create_run({"run_id": "r1", "suite": "s", "suite_hash": "h", "model_ref": "openai/m",
                          "backend": "openai", "status": "running", "started_at": datetime.now(),
                          "options": {"backend": {"note": f"key {key}"}}, "label": f"l-{key}"})
        store.finish_run("r1", "failed", f'Conversion Error: Could not convert string "{key}" '
                                         "to INT64")
    assert query(tmp_path / "s.duckdb", "SELECT label, options, error FROM runs") == [
        ("l-***", '{"backend": {"note": "key ***"}}',
         'Conversion Error: Could not convert string "***" to INT64')]
