"""Shards: a deterministic 1/N of a suite's cases, for CI jobs that split one suite.

A case belongs to shard `1 + H(key) mod N`, where H is the first 8 bytes of the SHA-256 of
its key. The key is the case id, so adding, removing or editing other cases never moves a
case to another shard; a counterfactual variant (`origin~dim=group`) is keyed by its origin
case, so every variant of one case lands in the same shard and the parity of a slice is
judged on whole groups.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any, Mapping

from ..errors import UsageError
from .counterfactuals import ORIGIN_KEY

_SPEC = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


@dataclass(frozen=True)
class ShardSpec:
    index: int  # 1-based
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @classmethod
    def parse(cls, text: str, flag: str = "--shard") -> "ShardSpec":
        found = _SPEC.fullmatch(str(text))
        if not found:
            raise UsageError(f"{flag} {text!r}: expected I/N, e.g. {flag} 2/4 for the second "
                             "of four shards")
        index, count = int(found.group(1)), int(found.group(2))
        if count < 1 or not 1 <= index <= count:
            raise UsageError(f"{flag} {text}: I must be between 1 and N (got {index}/{count})")
        return cls(index, count)

    def holds(self, case_id: str, metadata: Mapping[str, Any] | None = None) -> bool:
        return shard_index(case_id, metadata, self.count) == self.index


@dataclass(frozen=True)
class ShardInfo:
    """What a shard run records (runs.shard), so shards can be checked and merged later."""

    spec: ShardSpec
    cases_hash: str  # the whole suite's cases
    n_cases: int  # the whole suite's case count

    def to_json(self) -> dict:
        return {"index": self.spec.index, "count": self.spec.count,
                "cases_hash": self.cases_hash, "n_cases": self.n_cases}


def shard_key(case_id: str, metadata: Mapping[str, Any] | None = None) -> str:
    """What a case is sharded by: its id, or its origin's id for a counterfactual variant."""
    origin = (metadata or {}).get(ORIGIN_KEY)
    if isinstance(origin, str) and case_id.startswith(origin + "~"):
        return origin
    return case_id


def shard_index(case_id: str, metadata: Mapping[str, Any] | None, count: int) -> int:
    """The 1-based shard of this case among `count`."""
    digest = hashlib.sha256(shard_key(case_id, metadata).encode("utf-8", "surrogatepass"))
    return 1 + int.from_bytes(digest.digest()[:8], "big") % count
