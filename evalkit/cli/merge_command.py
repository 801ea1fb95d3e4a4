"""`evalkit merge`: shard databases → one run per (suite, label, model) (store/merge.py)."""
from __future__ import annotations

from typing import Sequence

import click

from ..errors import EXIT_OK
from ..store import Store
from ..store.merge import merge_shards
from .render import plain


def merge_command(shard_dbs: Sequence[str], into: str) -> int:
    with Store(into) as store:
        merged = merge_shards(store, list(shard_dbs))
    for outcome in merged:
        click.echo(plain(outcome.describe(), None))
    click.echo(f"stored in {into} · compare with: evalkit compare BASELINE RUN --db {into}")
    return EXIT_OK
