"""JSON Schemas from local files, with `$ref` resolved to local files only (never a fetch).

Referenced files stay inside the suite's folder or project (`evalkit.file_scope`).
The root schema gets a file:// base URI (its own file, or the suite's folder for an inline
schema), so relative `$ref`s ("defs.json#/$defs/price") resolve beside it. Any other
scheme (http, https, urn) is refused with an error that says how to fix it. Every `$ref`
is resolved once when the suite loads, so a broken reference is a load-time error.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from ..file_scope import FileRefused, FileScope, read_capped

ID_KEYS = ("$id", "id")  # "id" in drafts 3 and 4


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


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for key, value in node.items():
            if key not in ("enum", "const", "examples", "default"):
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


class LocalSchema:
    """A compiled validator for `schema`, whose relative `$ref`s are files under `base`."""

    def __init__(self, schema: Any, base_file: Path, scope: FileScope | None = None):
        import jsonschema
        from jsonschema.exceptions import SchemaError
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
        if isinstance(schema, dict) and not any(k in schema for k in ID_KEYS):
            id_key = "id" if self.cls.__name__ in ("Draft3Validator", "Draft4Validator") else "$id"
            schema = {id_key: base_file.resolve().as_uri(), **schema}
        self.schema = schema
        registry = Registry(retrieve=_retriever(scope or FileScope.of(base_file.parent)))
        self.validator = self.cls(schema, registry=registry,
                                  format_checker=self.cls.FORMAT_CHECKER)
        if isinstance(schema, dict):
            base = str(next(schema[k] for k in ID_KEYS if k in schema))
            spec = specification_with(str(schema.get("$schema", "")), default=DRAFT202012)
            root = registry.with_resource(base, spec.create_resource(schema))
            try:
                self._check_refs(root.resolver(base_uri=base), schema, base, set())
            except (Unresolvable, NoSuchResource) as exc:
                raise RefError(_root_cause(exc)) from None

    def _check_refs(self, resolver, node: Any, base: str, seen: set[str]) -> None:
        """Resolve every $ref now (and those of the documents they lead to)."""
        for ref in _refs(node):
            target = urljoin(base, ref)
            if target in seen:
                continue
            seen.add(target)
            resolved = resolver.lookup(ref)
            document = urldefrag(target).url
            if document != urldefrag(base).url:  # another file: check its references too
                self._check_refs(resolved.resolver, resolved.contents, document, seen)

    def errors(self, instance: Any) -> list[tuple[str, str]]:
        """(path like $.items[0].price, message) for every violation, in document order."""
        found = []
        for error in sorted(self.validator.iter_errors(instance),
                            key=lambda e: [str(p) for p in e.absolute_path]):
            found.append((json_path(error.absolute_path), error.message))
        return found


def json_path(parts) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (
            f".{part}" if str(part).isidentifier() else f"[{str(part)!r}]")
    return out
