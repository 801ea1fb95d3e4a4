"""The `format` keyword: one policy, and no format that is silently left unchecked.

`formats: assert` fails a value that does not match its format; `formats: annotate` only
reports it (in the explanation, never failing the score). Unset, the schema's draft decides,
as its specification says: drafts 3 to 7 assert, 2019-09 and 2020-12 annotate (their
format-annotation vocabulary is the default).

When asserting, every format jsonschema's FormatChecker knows is checked, the formats of
later drafts included (a draft-04 schema's "date" is checked as a date). Several checkers
need a package (`pip install 'evalkit[json-formats]'`); when one is missing the suite does
not load, naming the package, instead of passing every value (2020-12: an implementation
that cannot check the formats it asserts must refuse the schema). A format no checker knows
("phone") is ignored, as every draft and the JSON Schema Test Suite say, and the score's
explanation says it was not checked.
"""
from __future__ import annotations

from typing import Any, Iterator, Literal

FormatPolicy = Literal["assert", "annotate"]
ANNOTATING_DRAFTS = ("Draft201909Validator", "Draft202012Validator")

# The formats whose jsonschema checker imports a package (jsonschema/_format.py), with the
# package of the `json-formats` extra that provides it.
FORMAT_PACKAGES = {
    "date-time": "rfc3339-validator", "time": "rfc3339-validator",
    "hostname": "fqdn", "host-name": "fqdn", "idn-hostname": "idna",
    "uri": "rfc3986-validator", "uri-reference": "rfc3986-validator",
    "iri": "rfc3986-validator", "iri-reference": "rfc3986-validator",
    "json-pointer": "jsonpointer", "relative-json-pointer": "jsonpointer",
    "uri-template": "uri-template", "duration": "isoduration", "color": "webcolors",
}
_NOT_SCHEMAS = ("enum", "const", "examples", "default")


class FormatError(ValueError):
    pass


def draft_policy(cls: type) -> FormatPolicy:
    return "annotate" if cls.__name__ in ANNOTATING_DRAFTS else "assert"


def formats_in(node: Any) -> Iterator[str]:
    """Every `format` keyword's value in a schema (not inside enum/const/examples/default)."""
    if isinstance(node, dict):
        if isinstance(node.get("format"), str):
            yield node["format"]
        for key, value in node.items():
            if key not in _NOT_SCHEMAS:
                yield from formats_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from formats_in(value)


def checker_for(cls: type):
    """The draft's FormatChecker, with the checkers of later drafts for the names it lacks."""
    import jsonschema

    checker = jsonschema.FormatChecker(formats=())
    checker.checkers = {**_iri_checkers(), **jsonschema.Draft202012Validator.FORMAT_CHECKER.checkers,
                        **cls.FORMAT_CHECKER.checkers}
    return checker


def _iri_checkers() -> dict:
    """`iri` / `iri-reference` through RFC 3987's IRI → URI mapping (section 3.1: percent-encode
    every non-ASCII character) and the rfc3986-validator URI grammar. jsonschema's own checker
    uses rfc3987-syntax, which evalkit does not install: importing it builds a parser at import
    time and makes `import jsonschema` take seconds in every process that loads a schema."""
    try:
        from rfc3986_validator import validate_rfc3986
    except ImportError:
        return {}

    def checker(rule: str):
        def check(instance: object) -> bool:
            if not isinstance(instance, str):
                return True
            if any(c.isspace() or not c.isprintable() for c in instance):
                return False  # the validator's `$` would let a trailing newline through
            return bool(validate_rfc3986(_iri_to_uri(instance), rule=rule))
        return check, ()

    return {"iri": checker("URI"), "iri-reference": checker("URI_reference")}


def _iri_to_uri(iri: str) -> str:
    return "".join(c if c.isascii() else "".join(f"%{b:02X}" for b in c.encode("utf-8"))
                   for c in iri)


def check_formats(schema: Any, cls: type, policy: FormatPolicy) -> list[str]:
    """The unknown formats (ignored); FormatError for one that must be checked and cannot."""
    if policy == "annotate":
        return []
    known = checker_for(cls).checkers
    ignored = []
    for name in dict.fromkeys(formats_in(schema)):
        if name in known:
            continue
        package = FORMAT_PACKAGES.get(name)
        if package is not None:
            raise FormatError(
                f"format {name!r} cannot be checked: its checker needs the package {package} "
                "(pip install 'evalkit[json-formats]'), or set formats: annotate to only "
                "report formats")
        ignored.append(name)
    return ignored
