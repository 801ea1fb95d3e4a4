"""The pipeline order of DESIGN.md, enforced: import-linter's layers contract (pyproject.toml)."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.cli.helpers import REPO_ROOT, clean_env


def lint_imports_command() -> list[str]:
    script = Path(sys.executable).parent / "lint-imports"
    if script.exists():
        return [str(script)]
    found = shutil.which("lint-imports")
    assert found, "import-linter is not installed (pip install -e '.[dev]')"
    return [found]


def test_modules_import_only_from_earlier_layers():
    proc = subprocess.run([*lint_imports_command(), "--no-cache"], cwd=REPO_ROOT, env=clean_env(),
                          capture_output=True, check=False, text=True, timeout=120)
    report = proc.stdout + proc.stderr
    assert proc.returncode == 0, report
    assert "BROKEN" not in report
    assert re.search(r"Contracts: [1-9]\d* kept, 0 broken\.", report), report
