"""JSON Schemas from local files, with `$ref` resolved to local files only (never a fetch).

Referenced files stay inside the suite's folder or project (`evalkit.file_scope`).
The root schema gets a file:// base URI (its own file, or the suite's folder for an inline
schema), so relative `$ref`s ("defs.json#/$defs/price") resolve beside it. A `$ref` may also
name a subschema by its nested `$id` (resolved as the schema's draft says) or one of the
draft metaschemas bundled with jsonschema ("https://json-schema.org/draft/2020-12/schema").
Anything else outside the schema (http, https, urn) is refused with an error that says how
to fix it: nothing is ever fetched. Every `$ref`, `$dynamicRef` and `$recursiveRef` is
resolved once when the suite loads, so a broken reference is a load-time error.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ..file_scope import FileRefused, FileScope, read_capped
from .schema_formats import (
    FormatError,
    FormatPolicy,
    check_formats,
    checker_for,
    draft_policy,
    formats_in,
)

ID_KEYS = ("$id", "id")  # "id" in drafts 3 and 4
REF_KEYWORDS = ("$ref", "$dynamicRef", "$recursiveRef")


class RefError(ValueError):
    pass


def _file_of(uri: str) -> Path:
    parts = urlsplit(uri)
    if parts.scheme != "file":
        raise RefError(f"$ref {uri!r} would need a network fetch; evalkit resolves $ref to "
                       "local files only: use a path relative to the schema file")
    return Path(unquote(parts.path))


def _retriever(scope: FileScope):
    """Loads `$ref` targets: local files inside the suite's folder or project only."""

    def retrieve(uri: str):
        import json

        from referencing import Resource
        from referencing.jsonschema import DRAFT202012

        try:
            path = scope.check(_file_of(uri), "$ref target")
            contents = json.loads(read_capped(path).decode("utf-8"))
        except FileRefused as exc:
            raise RefError(str(exc)) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RefError(f"$ref target {_file_of(uri)} is not a readable JSON file: {exc}") from None
        return Resource.from_contents(contents, default_specification=DRAFT202012)

    return retrieve


def _root_cause(exc: BaseException) -> str:
    """Our own RefError message when it is somewhere in the chain, else referencing's."""
    seen = exc
    while seen is not None:
        if isinstance(seen, RefError):
            return str(seen)
        seen = seen.__cause__ or seen.__context__
    ref = getattr(exc, "ref", None)
    return f"cannot resolve $ref {ref!r}" if ref else f"cannot resolve $ref: {exc}"


class LocalSchema:
    """A compiled validator for `schema`, whose relative `$ref`s are files beside `base_file`.

    `formats`: assert | annotate | None (the draft's default); see schema_formats. `scope`: the
    folders `$ref`ed files may come from (default: the schema file's folder)."""

    def __init__(self, schema: Any, base_file: Path, formats: FormatPolicy | None = None,
                 scope: FileScope | None = None):
        import jsonschema
        from jsonschema.exceptions import SchemaError
        from jsonschema_specifications import REGISTRY as METASCHEMAS
        from referencing import Registry
        from referencing.exceptions import NoSuchResource, Unresolvable
        from referencing.jsonschema import DRAFT202012, specification_with

        if not isinstance(schema, (dict, bool)):
            raise RefError("a JSON Schema is an object (or true/false), got "
                           f"{type(schema).__name__}")
        self.cls = jsonschema.validators.validator_for(
            schema, default=jsonschema.Draft202012Validator)
        try:
            self.cls.check_schema(schema)
        except SchemaError as exc:
            where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
            raise RefError(f"invalid JSON Schema at {where}: {exc.message}") from None
        self.formats: FormatPolicy = formats or draft_policy(self.cls)
        try:
            self.ignored_formats = check_formats(schema, self.cls, self.formats)
        except FormatError as exc:
            raise RefError(str(exc)) from None
        if isinstance(schema, dict) and not any(k in schema for k in ID_KEYS):
            id_key = "id" if self.cls.__name__ in ("Draft3Validator", "Draft4Validator") else "$id"
            schema = {id_key: base_file.resolve().as_uri(), **schema}
        self.schema = schema
        # the draft metaschemas are bundled (a $ref to one is no fetch); anything else that is
        # not in the schema itself is read from a local file inside the scope, or refused
        retrieve = _retriever(scope or FileScope.of(base_file.parent))
        registry = METASCHEMAS.combine(Registry(retrieve=retrieve))
        self._metaschemas = {id(METASCHEMAS[uri].contents) for uri in METASCHEMAS}
        checker = checker_for(self.cls)
        self.validator = self.cls(schema, registry=registry,
                                  format_checker=checker if self.formats == "assert" else None)
        self.format_notes = (self.cls(schema, registry=registry, format_checker=checker)
                             if self.formats == "annotate" and any(formats_in(schema)) else None)
        if isinstance(schema, dict):
            base = str(next(schema[k] for k in ID_KEYS if k in schema))
            spec = specification_with(str(schema.get("$schema", "")), default=DRAFT202012)
            resource = spec.create_resource(schema)
            root = registry.with_resource(base, resource).crawl()
            try:
                self._check_refs(root.resolver(base_uri=base), resource, spec, set())
            except (Unresolvable, NoSuchResource) as exc:
                raise RefError(_root_cause(exc)) from None

    def _check_refs(self, resolver, resource, spec, seen: set[int]) -> None:
        """Resolve every reference now, in every subschema (nested `$id`s change the base
        as the draft says) and in every document a reference leads to."""
        from referencing import Resource

        contents = resource.contents
        if id(contents) in seen:
            return
        seen.add(id(contents))
        if isinstance(contents, dict):
            for keyword in REF_KEYWORDS:
                ref = contents.get(keyword)
                if not isinstance(ref, str):
                    continue
                resolved = resolver.lookup(ref)
                if id(resolved.contents) in self._metaschemas:
                    continue  # bundled and known good
                target = Resource.from_contents(resolved.contents, default_specification=spec)
                self._check_refs(resolved.resolver, target, spec, seen)
        for sub in resource.subresources():
            self._check_refs(resolver.in_subresource(sub), sub, spec, seen)

    def errors(self, instance: Any) -> list[tuple[str, str]]:
        """(path like $.items[0].price, message) for every violation, in document order."""
        return _listed(self.validator, instance)

    def is_valid(self, instance: Any) -> bool:
        from referencing.exceptions import Unresolvable

        try:
            return self.validator.is_valid(instance)
        except Unresolvable:
            return False

    def format_mismatches(self, instance: Any) -> list[tuple[str, str]]:
        """Under `formats: annotate`: the values that do not match their format."""
        if self.format_notes is None:
            return []
        return [(path, message) for path, message, keyword
                in _listed(self.format_notes, instance, keywords=True) if keyword == "format"]


def _listed(validator, instance: Any, keywords: bool = False) -> list:
    from referencing.exceptions import Unresolvable

    try:
        errors = sorted(validator.iter_errors(instance),
                        key=lambda e: [str(p) for p in e.absolute_path])
    except Unresolvable as exc:  # a dynamic reference the load-time check could not follow
        return [("$", _root_cause(exc), "$ref")] if keywords else [("$", _root_cause(exc))]
    found = []
    for error in errors:
        for each in [error, *(error.context or ())] if keywords else [error]:
            row = (json_path(each.absolute_path), each.message)
            found.append((*row, each.validator) if keywords else row)
    return found


def json_path(parts) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (
            f".{part}" if str(part).isidentifier() else f"[{str(part)!r}]")
    return out
