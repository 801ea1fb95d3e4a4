"""Which YAML files under the `evalkit_suites` globs are evalkit suites.

A project's `suites/` folder may hold other YAML (a docker-compose file, a CI workflow):
only a file whose top level has a `suite:` key is a suite. A file without one is left
alone, unless it looks like a suite that lost its key (it has several of a suite's other
top-level keys, or a near-miss such as `suit:`): then it is worth a warning, never a
collection error that would stop the user's other tests.
"""
from __future__ import annotations

import difflib
import re
from pathlib import Path

SUITE, BROKEN, OTHER = "suite", "broken", "other"
SUITE_KEYS = ("prompt", "cases", "scorers", "gates", "counterfactuals", "waivers")
MAX_BYTES = 16 * 1024 ** 2  # larger YAML is no suite worth parsing twice
_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:", re.MULTILINE)


def classify(path: Path) -> tuple[str, str]:
    """(SUITE | BROKEN | OTHER, why it looks broken)."""
    try:
        if path.stat().st_size > MAX_BYTES:
            return OTHER, ""
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return OTHER, ""
    keys = _top_level_keys(text)
    if keys is None:  # not valid YAML: a suite only if it says so at column 0
        keys = set(_TOP_KEY.findall(text))
    if "suite" in keys:
        return SUITE, ""
    near = difflib.get_close_matches("suite", [k for k in keys if isinstance(k, str)], n=1,
                                     cutoff=0.75)
    if near:
        return BROKEN, f"it has '{near[0]}:' but no top-level 'suite:' key"
    found = [k for k in SUITE_KEYS if k in keys]
    if len(found) >= 2:
        return BROKEN, (f"it has {', '.join(repr(k) for k in found)} but no top-level "
                        "'suite:' key (add 'suite: NAME')")
    return OTHER, ""


def _top_level_keys(text: str) -> set | None:
    from ..errors import SuiteError
    from ..suite.yaml_source import parse_yaml

    try:
        data = parse_yaml(text, "<yaml>").data
    except SuiteError:
        return None
    return set(data) if isinstance(data, dict) else set()
