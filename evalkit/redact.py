"""Secrets never persist: every string bound for the store, a report, a log or the terminal
passes through `redact`.

One registry, fed by every source a secret enters through: credential-looking environment
variables, model options (`-M`, a judge's `args`, pytest's `--evalkit-model-option`): keys
with secret names, every HTTP header value, every `SecretStr`, and the user:password and
secret query parameters of URLs (`api_base`). `redact` masks each registered value as
'***', and the shapes of API keys (`sk-…`, `AKIA…`, `ghp_…`, `hf_…`, bearer tokens, JWTs,
PEM private keys, Stripe, Azure and Google Cloud keys) even when nobody registered them.
Sinks (the store's writes, terminal output, reports, JUnit, pytest's output, error messages)
call it on whatever they print.

Short secrets: a value of at least MIN_SECRET_LENGTH characters is registered. One of
ANYWHERE_LENGTH or more is masked wherever it occurs; a shorter one only where it stands
as a whole token (not inside a longer word or number), so a four-character key is masked
in "api-key=k3y9&" or a JSON echo of it, but the word "passed" survives a secret "pass".
A secret shorter than MIN_SECRET_LENGTH cannot be told from ordinary text and is not
masked (URLs are still scrubbed structurally by `scrub_url`), nor is a placeholder such as
`EMPTY`, `none` or `test` (PLACEHOLDERS), nor the value of a header that never carries a
credential (`Content-Type`, `User-Agent`…: PUBLIC_HEADERS).
"""
from __future__ import annotations

import base64
import os
import re
import threading
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

# "token" only at the end of a name (HF_TOKEN, access_token), so max_tokens is not a secret.
SECRET_NAME = re.compile(r"(api[_-]?key|secret|password|passwd|authorization|credential|"
                         r"token$|^auth|cookie)", re.IGNORECASE)
HEADERS_NAME = re.compile(r"headers$", re.IGNORECASE)  # headers, extra_headers: every value
HEADERS, PUBLIC = "headers", "public"  # markers for register_options / redact_mapping
PUBLIC_HEADERS = frozenset({"content-type", "accept", "accept-encoding", "accept-language",
                            "user-agent", "referer", "http-referer", "x-title"})
# Query parameters that carry credentials besides SECRET_NAME ones (?key=, SAS ?sig=).
SECRET_QUERY_NAMES = frozenset({"key", "sig", "signature", "code", "access_token", "apikey"})
MASK = "***"
MIN_SECRET_LENGTH = 3  # shorter values would mask ordinary words everywhere
ANYWHERE_LENGTH = 8  # shorter values are masked only as whole tokens
# Placeholders people pass where a key is required (a local vLLM server, `AUTH=none`): not
# secrets, and masking them would blank out ordinary words such as "none" or "test".
PLACEHOLDERS = frozenset({"true", "false", "none", "null", "nil", "yes", "off", "empty",
                          "dummy", "test", "changeme", "placeholder", "secret", "password",
                          "token", "unused", "not-needed", "no-key", "nokey", "sk-no-key"})

# Each API-key shape with its marker: a substring every match holds, or alternatives one of
# which it holds (tested on the text, or on its lower case when the shape ignores case). A
# pattern costs 20–35 µs on a 40-word string, a marker test well under 0.1 µs, so plain text
# runs no pattern. tests/report/test_html.py checks each shape against an example.
KEY_SHAPES: tuple[tuple[str, str | tuple[str, ...], bool], ...] = (  # (pattern, marker, lower)
    (r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_\-]{16,}", "sk-", False),  # OpenAI / Anthropic style
    (r"\bAKIA[0-9A-Z]{16}\b", "AKIA", False),  # AWS access key id
    (r"\bgh[pousr]_[A-Za-z0-9]{30,}", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), False),  # GitHub
    (r"\bhf_[A-Za-z0-9]{30,}", "hf_", False),  # Hugging Face tokens
    (r"\bxox[abposr]-[A-Za-z0-9\-]{10,}", "xox", False),  # Slack tokens
    (r"\bAIza[0-9A-Za-z_\-]{35}", "AIza", False),  # Google API keys
    (r"(?i)\bbearer\s+[A-Za-z0-9._\-]{16,}", "bearer", True),  # Authorization headers
    # JWT
    (r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}", "eyJ", False),
    # PEM private keys (RSA, EC, OPENSSH, ENCRYPTED ...), to their END line or, cut short,
    # to the end of their base64; in a JSON string (a GCP service account) the \n are literal
    (r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?:.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----"
     r"|(?:(?:\s|\\n)*[A-Za-z0-9+/=]{16,})*)", "PRIVATE KEY-----", False),
    # Stripe secret and restricted keys
    (r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}", ("_live_", "_test_"), False),
    (r"\bwhsec_[A-Za-z0-9]{24,}", "whsec_", False),  # Stripe webhook signing secrets
    (r"(?i)\b(?:AccountKey|SharedAccessKey)=[A-Za-z0-9+/]{20,}={0,2}", "key=", True),  # Azure
    (r"(?i)(?<=[?&])sig=[A-Za-z0-9%+/]{20,}={0,2}", "sig=", True),  # Azure SAS signatures
    (r"\b[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34}", "Q~", False),  # Azure AD client secrets
    (r"\bya29\.[0-9A-Za-z_\-]{20,}", "ya29.", False),  # Google OAuth access tokens
    (r'(?<="private_key_id": ")[0-9a-f]{40}(?=")', "private_key_id", False),  # GCP key ids
)
API_KEY_PATTERNS = tuple(pattern for pattern, _, _ in KEY_SHAPES)
# (pattern, markers, lower); a pattern is compiled the first time its marker is seen (18
# compilations were ~4 ms of every process's start-up, and most texts hold no marker at all).
_KEYS = [(pattern, (marker,) if isinstance(marker, str) else marker, lower)
         for pattern, marker, lower in KEY_SHAPES]


@lru_cache(maxsize=None)
def _shape(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.DOTALL)


# Every marker at once, tested in C (map over str.__contains__): plain text, the usual case,
# is told apart in 2-4 µs instead of the 11-15 µs a Python loop over the shapes took.
_CASED_MARKERS = tuple(m for _, markers, lower in _KEYS if not lower for m in markers)
_LOWER_MARKERS = tuple(m for _, markers, lower in _KEYS if lower for m in markers)


def _key_patterns_to_run(text: str) -> list[re.Pattern]:
    """The key patterns whose marker is in `text`."""
    cased = any(map(text.__contains__, _CASED_MARKERS))
    low = text.lower()
    if not cased and not any(map(low.__contains__, _LOWER_MARKERS)):
        return []
    found = []
    for key, markers, lower in _KEYS:
        seen = low if lower else text
        if any(marker in seen for marker in markers):
            found.append(_shape(key))
    return found


def _mask_key_shapes(text: str) -> str:
    for key in _key_patterns_to_run(text):
        text = key.sub(MASK, text)
    return text


_WORD = "A-Za-z0-9"  # a short secret is masked where no letter or digit touches it

_lock = threading.Lock()
_values: frozenset[str] = frozenset()
_pattern: re.Pattern | None = None


def is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(str(name)))


def register(value: Any) -> None:
    """Mask this value from now on (ignored when it is not text or too short)."""
    global _values, _pattern, _generation
    if not isinstance(value, str):
        return
    forms = {value, value.strip()}
    forms |= {unquote(value), quote(value, safe="")}  # as it appears inside a URL
    forms = {f for f in forms if len(f) >= MIN_SECRET_LENGTH and f.lower() not in PLACEHOLDERS}
    with _lock:
        if forms <= _values:
            return
        _values = _values | forms
        _pattern = None
        _short.clear()  # what was safe to show may hold the new secret
        _generation += 1


def register_url(url: Any) -> None:
    """A URL's credentials: user and password, Basic auth built from them, and the values of
    query parameters that carry keys (api-key=, key=, sig=, token=)."""
    if not isinstance(url, str) or "://" not in url:
        return
    try:
        parts = urlsplit(url.strip())
        user, password = parts.username, parts.password
    except ValueError:
        return
    for value in (user, password):
        register(value)
    if user is not None or password is not None:
        pair = f"{unquote(user or '')}:{unquote(password or '')}"
        register(base64.b64encode(pair.encode()).decode())  # an echoed Authorization: Basic
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if _secret_query(name):
            register(value)


def _secret_query(name: str) -> bool:
    return is_secret_name(name) or name.lower() in SECRET_QUERY_NAMES


def register_environment() -> None:
    """Environment variables that look like credentials (OPENAI_API_KEY, HF_TOKEN, ...), and
    credentials inside URL-valued variables (OPENAI_BASE_URL=https://user:pass@...)."""
    for name, value in os.environ.items():
        if is_secret_name(name):
            register(value)
        elif "://" in value:
            register_url(value)


def register_options(options: Any, secret: bool | str = False) -> None:
    """Every secret inside model options: values under secret names or header names,
    SecretStr values, and URL credentials. Nested dicts and lists are walked."""
    if secret == PUBLIC:
        return
    secret_value = _secret_value(options)
    if secret_value is not None:
        register(secret_value)
    elif isinstance(options, dict):
        for key, value in options.items():
            register_options(value, _hidden(key, secret))
    elif isinstance(options, (list, tuple)):
        for value in options:
            register_options(value, secret)
    elif isinstance(options, str):
        if secret:
            register(options)
        else:
            register_url(options)


def _hidden(key: Any, secret: bool | str) -> bool | str:
    """Whether the value under `key` is secret: True, False, HEADERS for a mapping of HTTP
    headers (each value secret), or PUBLIC for a header in PUBLIC_HEADERS (never secret, even
    declared as a SecretStr)."""
    name = str(key)
    if secret == HEADERS:
        return PUBLIC if name.lower() in PUBLIC_HEADERS else True
    if secret is True or is_secret_name(name):
        return True
    return HEADERS if HEADERS_NAME.search(name) else False


def _secret_value(value: Any) -> str | None:
    getter = getattr(value, "get_secret_value", None)  # pydantic SecretStr, without importing it
    return getter() if callable(getter) else None


def scrub_url(url: str) -> str:
    """The URL with its user:password and secret query values replaced by '***'."""
    if "://" not in url:
        return url
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return url
    netloc = parts.netloc
    if parts.username is not None or parts.password is not None:
        netloc = f"{MASK}@" + (host or "") + (f":{port}" if port is not None else "")
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(_secret_query(name) for name, _ in pairs):
            query = "&".join(f"{quote(name, safe='')}=" + (MASK if _secret_query(name) else quote(value, safe=""))
                             for name, value in pairs)
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _compiled() -> re.Pattern:
    global _pattern
    with _lock:
        if _pattern is None:
            alternatives = []
            for value in sorted(_values, key=len, reverse=True):
                escaped = re.escape(value)
                if len(value) < ANYWHERE_LENGTH:
                    escaped = f"(?<![{_WORD}]){escaped}(?![{_WORD}])"
                alternatives.append(escaped)
            _pattern = re.compile("|".join(alternatives))
        return _pattern


# Short texts repeat from row to row (scorer names, finish reasons, model ids, explanations):
# their masked form is remembered until a secret is registered (at most SHORT_MEMO of them).
SHORT_CHARS, SHORT_MEMO = 120, 4096
_short: dict[str, str] = {}
_generation = 0  # registrations so far: a text masked before the latest is not remembered


def redact(text: Any) -> str | None:
    """The text with registered secrets and API-key shapes masked. Anything that is not a
    string (a number a hostile server sent as content) is masked as its str()."""
    if text is None:
        return None
    if not isinstance(text, str):
        text = str(text)
    if not text:
        return text
    if len(text) <= SHORT_CHARS:
        masked = _short.get(text)
        if masked is None:
            generation = _generation
            masked = _masked(text)
            if len(_short) >= SHORT_MEMO:
                _short.clear()
            if generation == _generation:
                _short[text] = masked
        return masked
    return _masked(text)


def _masked(text: str) -> str:
    for value in _values:
        if value in text:  # the whole-token rule is the pattern's: this is a quick filter
            text = _compiled().sub(MASK, text)
            break
    return _mask_key_shapes(text)


def redact_mapping(options: Any, secret: bool | str = False) -> Any:
    """A copy of options safe to store: values under secret or header names and SecretStr
    values masked, URLs scrubbed, every other string redacted."""
    if secret == PUBLIC:
        value = _secret_value(options)
        return redact(value if value is not None else options)
    if _secret_value(options) is not None:
        return MASK if _secret_value(options) else None
    if isinstance(options, dict):
        return {key: redact_mapping(value, _hidden(key, secret)) for key, value in options.items()}
    if isinstance(options, (list, tuple)):
        return [redact_mapping(value, secret) for value in options]
    if options in (None, ""):
        return options  # absent stays absent
    if secret:
        return MASK
    if isinstance(options, str):
        return redact(scrub_url(options))
    return options
