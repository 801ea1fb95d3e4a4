"""Content hashes of model weights: the fingerprint of a local model.

Hashing a multi-GB file takes seconds to minutes, and every run asks for its model's
fingerprint (even a fully cached one). So a file's sha256 is computed once per file
version — keyed by (real path, size, mtime, inode) — and kept in memory and in a small
JSON file under the user cache folder (`$EVALKIT_CACHE_DIR`, default the platform's
user cache folder from platformdirs, `~/.cache/evalkit` on Linux). Replacing or touching the file changes the key, so a stale hash is
never served.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
from pathlib import Path

from ..errors import MissingExtraError, UsageError

CACHE_FILE = "weights-sha256.json"
_CHUNK = 8 << 20
_lock = threading.Lock()
_memory: dict[str, str] = {}

# Files in a model folder that do not change what the model outputs.
_IGNORED_SUFFIXES = (".md", ".txt.lock", ".lock", ".png", ".jpg", ".gitattributes")


def cache_dir() -> Path:
    """$EVALKIT_CACHE_DIR, else the platform's user cache folder (platformdirs: ~/.cache/evalkit
    or $XDG_CACHE_HOME/evalkit on Linux, ~/Library/Caches/evalkit on macOS, %LOCALAPPDATA%
    on Windows)."""
    explicit = os.environ.get("EVALKIT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("evalkit", appauthor=False))


def _version_key(path: Path) -> str:
    real = path.resolve()
    stat = real.stat()
    return f"{real}|{stat.st_size}|{stat.st_mtime_ns}|{stat.st_ino}"


def _load_disk() -> dict[str, str]:
    try:
        data = json.loads((cache_dir() / CACHE_FILE).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _save_disk(key: str, digest: str) -> None:
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        data = _load_disk()
        data[key] = digest
        # Write-then-rename: a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".weights-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(tmp, folder / CACHE_FILE)
    except OSError:
        pass  # an unwritable cache only costs a re-hash next time


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file's bytes, computed once per file version."""
    path = Path(path)
    key = _version_key(path)
    with _lock:
        if key in _memory:
            return _memory[key]
        digest = _load_disk().get(key)
        if digest is None:
            sha = hashlib.sha256()
            with open(path, "rb") as handle:
                while chunk := handle.read(_CHUNK):
                    sha.update(chunk)
            digest = sha.hexdigest()
            _save_disk(key, digest)
        _memory[key] = digest
        return digest


def folder_hashes(folder: str | Path, only_gguf: str | None = None) -> dict[str, str]:
    """{file name: sha256} for the files of a model folder (weights, config, tokenizer, chat
    template). With `only_gguf`, the other .gguf files in the folder are left out."""
    folder = Path(folder)
    hashes = {}
    for item in sorted(folder.iterdir()):  # flat: checkpoint-*/ subfolders are not the model
        name = item.name
        if not item.is_file() or name.startswith("."):
            continue
        if name.endswith(_IGNORED_SUFFIXES):
            continue
        if only_gguf is not None and name.endswith(".gguf") and name != only_gguf:
            continue
        hashes[name] = file_sha256(item)
    return hashes


def package_version(distribution: str) -> str | None:
    """An installed package's version, without importing it (a new engine can change outputs)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def hub_commit(repo: str, revision: str | None) -> str:
    """The commit a hub id resolves to: from the local cache (offline), else from the hub."""
    if revision and re.fullmatch(r"[0-9a-f]{40}", revision):
        return revision
    try:
        import huggingface_hub
    except ImportError:
        raise MissingExtraError("transformers", "hf", "the hf backend") from None
    try:
        return Path(huggingface_hub.snapshot_download(repo, revision=revision,
                                                      local_files_only=True)).name
    except Exception:  # noqa: BLE001, S110 - not in the cache: ask the hub (a run would download it)
        pass
    try:
        return huggingface_hub.HfApi().model_info(repo, revision=revision).sha
    except Exception as exc:  # noqa: BLE001 - offline, unknown repo, no access: all one answer
        raise UsageError(f"model '{repo}' is not a local folder, not in the Hugging Face cache, "
                         f"and the hub could not say which commit it is ({type(exc).__name__})"
                         ) from None
