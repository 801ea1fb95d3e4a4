"""Where a `python/module:function` reference may point, found without running it.

A suite is data: validating one must run no code of its own. So a reference is checked in
two steps. `PipelineRef.parse` looks at the text only (syntax, refused modules) and
`module_file` finds the module's source without importing it (for the fingerprint);
`import_callable` imports it, which only `evalkit run` and the pytest plugin do.

The trust rule: a pipeline or judge is the user's own code, importable from an installed
package, the current directory, or the folder the user names with `-M path=`. The standard
library, builtins and evalkit itself are refused (`python/os:system` would run the judge's
prompt in a shell), and so is any name with a leading underscore (private modules such as
`pip._internal`, attributes such as `__builtins__`). A callable reached through a module that
merely imports it (`mymodule:os.system`) is refused by where it is defined.
"""
from __future__ import annotations

import functools
import importlib
import importlib.machinery
import inspect
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from ..errors import UsageError

REFUSED_PACKAGES = frozenset(sys.stdlib_module_names) | {"builtins", "evalkit"}


def _refused(module: str) -> bool:
    top = module.partition(".")[0]
    return top in REFUSED_PACKAGES or any(part.startswith("_") for part in module.split("."))


@dataclass(frozen=True)
class PipelineRef:
    module: str
    attr: str

    def __str__(self) -> str:
        return f"python/{self.module}:{self.attr}"

    @staticmethod
    def parse(spec: str) -> "PipelineRef":
        """Syntax and trust checks on the text alone (nothing is imported)."""
        module, sep, attr = spec.partition(":")
        parts = module.split(".") + attr.split(".")
        if not sep or not all(p.isidentifier() for p in parts):
            raise UsageError(f"python model '{spec}' must look like package.module:function")
        if _refused(module) or any(p.startswith("_") for p in attr.split(".")):
            raise UsageError(
                f"python/{spec}: '{module.partition('.')[0] if _refused(module) else attr}' is "
                "not allowed as a pipeline or judge (standard library, builtins, evalkit and "
                "private names are refused); point it at a function of your own package")
        return PipelineRef(module, attr)


def search_folders(extra_path: str | None, cwd: Path) -> list[str]:
    """Folders put first on the import path: `-M path=` (relative to cwd), then cwd."""
    return ([str((cwd / extra_path).resolve())] if extra_path else []) + [str(cwd)]


def module_file(module: str, folders: Sequence[str]) -> Path | None:
    """The module's source file, found like an import would but without executing anything
    (not even the packages above it); None when it cannot be found this way."""
    path: list[str] | None = [*folders, *sys.path]
    spec = None
    for depth, part in enumerate(module.split(".")):
        name = ".".join(module.split(".")[:depth + 1])
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None:
            return None
        path = list(spec.submodule_search_locations or [])
    origin = getattr(spec, "origin", None)
    return Path(origin) if origin and origin not in ("built-in", "frozen") else None


def _defined_in(target: Any) -> str:
    """The module a callable comes from (functools.partial and wrappers unwrapped)."""
    while isinstance(target, functools.partial):
        target = target.func
    target = inspect.unwrap(target) if callable(target) else target
    module = getattr(target, "__module__", None)
    if not isinstance(module, str):
        module = type(target).__module__
    return module or ""


def import_callable(ref: PipelineRef, folders: Sequence[str]) -> Callable:
    """Import the module (this runs its code) and return the callable."""
    for folder in reversed(folders):
        if folder not in sys.path:
            sys.path.insert(0, folder)
    try:
        target: Any = importlib.import_module(ref.module)
    except Exception as exc:
        raise UsageError(f"cannot import '{ref.module}' for {ref}: "
                         f"{type(exc).__name__}: {exc}") from None
    for part in ref.attr.split("."):
        if not hasattr(target, part):
            raise UsageError(f"'{ref.module}' has no attribute '{ref.attr}' ({ref})")
        target = getattr(target, part)
    if not callable(target):
        raise UsageError(f"{ref} is not callable")
    origin = _defined_in(target)
    if _refused(origin):
        raise UsageError(f"{ref} is '{origin}' code, which is not allowed as a pipeline or "
                         "judge; point it at a function of your own package")
    return target
