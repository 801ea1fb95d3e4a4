"""`evalkit run -O KEY=VALUE`: a generation option set on the command line over the suite's
`options:` (temperature 0.8 against 0.5 without copying the suite), checked by the same
model as the suite's own (schema.GenerationOptions), so a bad value fails before any call."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import UsageError, did_you_mean
from .schema import GenerationOptions

EXTRA = "extra."  # -O extra.repeat_penalty=1.1 sets options.extra.repeat_penalty


def parse_option_overrides(pairs: Sequence[str]) -> dict[str, Any]:
    """KEY=VALUE pairs as option values: each VALUE read as YAML (0.5 is a number, [a, b] a
    list, a bare word a string, nothing at all unsets the suite's value)."""
    found: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep or not key or key == EXTRA.rstrip("."):
            raise UsageError(f"-O {pair!r}: expected KEY=VALUE, e.g. -O temperature=0.5")
        try:
            value = yaml.safe_load(text) if text.strip() else None
        except yaml.YAMLError:
            value = text  # not YAML: the text as given (a stop string, say)
        found[key] = value
    return found


def _merged(options: GenerationOptions, overrides: Mapping[str, Any]) -> dict[str, Any]:
    data = options.model_dump(exclude_unset=True)
    extra = dict(data.get("extra") or {})
    for key, value in overrides.items():
        if key.startswith(EXTRA):
            extra[key[len(EXTRA):]] = value
        else:
            data[key] = value
    if extra:
        data["extra"] = extra
    return data


def with_option_overrides(options: GenerationOptions,
                          overrides: Mapping[str, Any]) -> GenerationOptions:
    """The suite's options with `overrides` applied; UsageError naming the -O at fault."""
    try:
        return GenerationOptions.model_validate(_merged(options, overrides))
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        loc = [str(part) for part in error["loc"]]
        key = ".".join(loc)
        given = key if key in overrides else next((k for k in overrides if k == loc[0]), key)
        if error["type"] == "extra_forbidden":
            known = set(GenerationOptions.model_fields) - {"extra"}
            hint = did_you_mean(loc[0], known)
            raise UsageError(f"-O {given}: not a generation option"
                             + (f"; {hint}" if hint else "")
                             + f"\n  fix: a provider-specific one goes under extra: "
                             f"-O extra.{loc[0]}=...") from None
        shown = overrides.get(given, "")
        message = error["msg"].removeprefix("Value error, ")
        raise UsageError(f"-O {given}={shown}: {message} (checked like the suite's "
                         "'options:')") from None


def apply_option_overrides(suite, overrides: Mapping[str, Any]):
    """The Suite with its generation options overridden (stored with the run, shown in
    comparisons as set with -O)."""
    if not overrides:
        return suite
    options = with_option_overrides(suite.spec.options, overrides)
    return replace(suite, spec=suite.spec.model_copy(update={"options": options}),
                   option_overrides=dict(overrides))
