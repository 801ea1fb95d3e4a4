"""The `--db` option every command that reads or writes the store shares (one definition, so
the default path, env var and help text cannot drift apart)."""
from __future__ import annotations

import click

db_option = click.option("--db", envvar="EVALKIT_DB", default="reports/evalkit.duckdb",
                         show_default=True, help="DuckDB file (env EVALKIT_DB)")
