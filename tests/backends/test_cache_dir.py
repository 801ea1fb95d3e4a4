"""The weights-hash cache lives in the platform's user cache folder (platformdirs), or in
$EVALKIT_CACHE_DIR when set."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CODE = "from evalkit.backends.weights import cache_dir; print(cache_dir())"


def _cache_dir(**env: str) -> Path:
    done = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                          check=True, env={"PATH": "/usr/bin:/bin", **env, **{
                              k: v for k, v in os.environ.items() if k == "PYTHONPATH"}})
    return Path(done.stdout.strip())


def test_platform_folder_by_default(tmp_path):
    assert _cache_dir(HOME=str(tmp_path)) == tmp_path / ".cache" / "evalkit"
    assert _cache_dir(HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "xdg")) == \
        tmp_path / "xdg" / "evalkit"


def test_the_environment_overrides_it(tmp_path):
    assert _cache_dir(HOME=str(tmp_path), EVALKIT_CACHE_DIR=str(tmp_path / "mine")) == \
        tmp_path / "mine"
