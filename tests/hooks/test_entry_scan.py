"""Plugins are found without importlib.metadata when there are none: the pre-scan of
entry_points.txt files (evalkit/entry_scan.py) and the table of evalkit's own entry points
(registry.BUILT_IN) stand in for a full metadata scan on the path to the first model call."""
from __future__ import annotations

import subprocess
import sys
from importlib.metadata import distribution

from evalkit import registry
from evalkit.entry_scan import maybe_declared


def test_the_built_in_table_is_the_packages_own_entry_points():
    declared: dict[str, dict[str, str]] = {}
    for entry in distribution("evalkit").entry_points:
        declared.setdefault(entry.group, {})[entry.name] = entry.value
    for group, table in registry.BUILT_IN.items():
        assert table == declared[group], f"pyproject.toml and registry.BUILT_IN differ in {group}"


def test_built_ins_resolve_to_the_declared_classes():
    for group, table in registry.BUILT_IN.items():
        for name, target in table.items():
            cls = registry.lookup(group, name)
            assert f"{cls.__module__}:{cls.__qualname__}" == target


def test_a_group_is_found_only_where_a_distribution_declares_it(tmp_path, monkeypatch):
    info = tmp_path / "plug-0.1.dist-info"
    info.mkdir()
    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    assert not maybe_declared("evalkit.hooks")
    (info / "entry_points.txt").write_text("[evalkit.hooks]\nx = plug:X\n", encoding="utf-8")
    assert maybe_declared("evalkit.hooks")
    assert not maybe_declared("evalkit.other")


def test_a_zip_on_the_path_leaves_the_decision_to_importlib_metadata(tmp_path, monkeypatch):
    archive = tmp_path / "plugins.zip"
    archive.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    monkeypatch.setattr(sys, "path", [str(archive)])
    assert maybe_declared("evalkit.hooks")


def test_without_plugins_no_evalkit_group_is_scanned(tmp_path):
    """Naming built-ins and loading hooks reads no distribution's metadata for evalkit's
    groups (pydantic still scans its own group)."""
    code = ("import importlib.metadata as md, sys\n"
            "seen = []\n"
            "real = md.entry_points\n"
            "md.entry_points = lambda **kw: seen.append(kw.get('group')) or real(**kw)\n"
            "from evalkit import hooks, registry\n"
            "hooks.loaded(); registry.lookup(registry.SCORERS, 'exact')\n"
            "registry.lookup(registry.BACKENDS, 'openai')\n"
            "print(sorted(g for g in seen if str(g).startswith('evalkit')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=tmp_path)
    assert out.stdout.strip() == "[]", out.stderr
    names = subprocess.run([sys.executable, "-c", code.replace(
        "registry.lookup(registry.BACKENDS, 'openai')", "registry.names(registry.BACKENDS)")],
        capture_output=True, text=True, check=True, cwd=tmp_path)
    assert names.stdout.strip() == "['evalkit.backends']"  # the check can see a scan
