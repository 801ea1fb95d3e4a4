"""`evalkit merge`: fold the shard runs of several DuckDB files into one run per
(suite, label, model), which compare, gates and reports read like a run made in one piece.

Shards are refused, with one line saying why, unless they are the complete set 1/N … N/N of
the same suite file, cases, prompt, model, fingerprint, options, seed, samples, scorers,
slices and gates, every one completed and holding exactly its own cases (each result's case
hashes to its shard). A shard given twice (the same run in two files) counts once; two
different runs of one shard are refused, as are overlapping rows. Merging is idempotent: the
merged run's id comes from its shards' run ids, and a merge that exists is not made again.

The merged run is a new row: the cases hash and count of the whole suite, `merged_from`
listing each shard (run id, shard, file, start and finish), started and finished at the time
of the merge (so a label names the merged run, not one of its shards). Results and scores are
copied under its id; response and judge caches of the inputs are folded in too, so the merged
file serves the next run's cache hits. Input files are only read.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..errors import UsageError
from ..types import sha256_hex
from .records import RunRecord
from .schema import MIGRATIONS
from .store import Store, utcnow

# What must be equal across the shards of one merged run: (words, runs column).
SAME = (("suite file", "suite_hash"), ("prompt", "prompt_hash"), ("backend", "backend"),
        ("model fingerprint", "fingerprint"), ("options", "options"), ("seed", "seed"),
        ("samples", "samples"), ("scorers", "scorers"), ("slices", "slices"),
        ("gates", "gates"))


@dataclass(frozen=True)
class ShardRun:
    db: str  # the file it was read from, as given
    catalog: str  # its attached name in the target's connection
    run: RunRecord
    results: int

    @property
    def index(self) -> int:
        return int(self.run.shard["index"])

    @property
    def count(self) -> int:
        return int(self.run.shard["count"])

    def name(self) -> str:
        return f"shard {self.index}/{self.count} ({self.db}, run {self.run.run_id})"


@dataclass(frozen=True)
class Merged:
    run_id: str
    suite: str
    label: str | None
    model: str
    shards: int
    results: int
    already: bool  # the target held this merge already

    def describe(self) -> str:
        label = f" [{self.label}]" if self.label else ""
        if self.already:
            return (f"already merged: {self.shards} shards of {self.suite}{label} × {self.model} "
                    f"are run {self.run_id}")
        return (f"merged {self.shards} shards of {self.suite}{label} × {self.model} into run "
                f"{self.run_id} ({self.results} results)")


def merge_shards(target: Store, paths: Sequence[str]) -> list[Merged]:
    """Fold every shard run found in `paths` into `target`; UsageError when they do not fit."""
    if not paths:
        raise UsageError("evalkit merge needs at least one shard database")
    catalogs = _attach(target, paths)
    try:
        runs = _dedupe([r for db, catalog in catalogs for r in _shard_runs(target, db, catalog)])
        if not runs:
            raise UsageError("no shard runs in " + ", ".join(paths)
                             + "; make them with evalkit run --shard I/N")
        groups: dict[tuple, list[ShardRun]] = {}
        for run in runs:
            key = (run.run.suite, run.run.label, run.run.model_ref)
            groups.setdefault(key, []).append(run)
        plans = [_checked(target, sorted(group, key=lambda r: r.index))
                 for _, group in sorted(groups.items(), key=lambda kv: tuple(map(str, kv[0])))]
        return _write(target, plans, [c for _, c in catalogs if c != _own_catalog(target)])
    finally:
        for _, catalog in catalogs:
            if catalog != _own_catalog(target):
                target.query(f'DETACH "{catalog}"')


def _own_catalog(store: Store) -> str:
    return store.query("SELECT current_database()")[0][0]


def _attach(target: Store, paths: Sequence[str]) -> list[tuple[str, str]]:
    """(path as given, catalog) per distinct file; the target itself is read in place."""
    own, seen, out = target.path.resolve(), {}, []
    for number, given in enumerate(paths):
        path = Path(given)
        if not path.is_file():
            raise UsageError(f"no database at {given}")
        resolved = path.resolve()
        if resolved in seen:
            continue
        if resolved == own:
            catalog = _own_catalog(target)
        else:
            catalog = f"ek_shard_{number}"
            quoted = str(resolved).replace("'", "''")
            try:
                target.query(f"ATTACH '{quoted}' AS \"{catalog}\" (READ_ONLY)")
            except Exception as exc:
                for _, attached in out:
                    if attached != _own_catalog(target):
                        target.query(f'DETACH "{attached}"')
                raise UsageError(f"cannot read {given}: {exc}".splitlines()[0]) from None
        seen[resolved] = catalog
        out.append((given, catalog))
    return out


def _columns(store: Store, catalog: str, table: str) -> list[str]:
    return [name for (name,) in store.query(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND table_name = ? "
        "ORDER BY column_index", [catalog, table])]


def _shard_runs(target: Store, db: str, catalog: str) -> list[ShardRun]:
    newest = max(v for v, _, _ in MIGRATIONS)
    found = target.query(f'SELECT max(version) FROM "{catalog}".schema_migrations')[0][0] \
        if _columns(target, catalog, "schema_migrations") else None
    if found is None:
        raise UsageError(f"{db} is not an evalkit database")
    if found > newest:
        raise UsageError(f"{db} was written by a newer evalkit (schema {found} > {newest}); "
                         "upgrade evalkit")
    names = _columns(target, catalog, "runs")
    if "shard" not in names:
        return []  # written before shards existed: no shard runs in it
    rows = target.query(
        f'SELECT r.*, (SELECT count(*) FROM "{catalog}".results x WHERE x.run_id = r.run_id) '
        f'FROM "{catalog}".runs r WHERE r.shard IS NOT NULL ORDER BY r.run_id')
    out = []
    for row in rows:
        out.append(ShardRun(db, catalog, RunRecord.from_row(names, row[:-1]), int(row[-1])))
    return out


def _dedupe(runs: list[ShardRun]) -> list[ShardRun]:
    """One copy of a run found in several files (the same file given twice, or copied)."""
    first: dict[str, ShardRun] = {}
    for run in runs:
        seen = first.get(run.run.run_id)
        if seen is None:
            first[run.run.run_id] = run
        elif (seen.results, seen.run.status) != (run.results, run.run.status):
            raise UsageError(f"run {run.run.run_id} is in {seen.db} and {run.db} with "
                             "different results; merge one copy of it")
    return list(first.values())


def _checked(target: Store, shards: list[ShardRun]) -> list[ShardRun]:
    """The shards of one (suite, label, model), checked to form one whole run."""
    head = shards[0]
    what = f"suite '{head.run.suite}'" + (f" [{head.run.label}]" if head.run.label else "")

    def refuse(reason: str) -> UsageError:
        return UsageError(f"cannot merge the shards of {what}: {reason}")

    for shard in shards[1:]:
        if shard.count != head.count:
            raise refuse(f"they split the suite differently ({head.index}/{head.count} in "
                         f"{head.db}, {shard.index}/{shard.count} in {shard.db})")
        if (shard.run.shard["cases_hash"], shard.run.shard["n_cases"]) != \
                (head.run.shard["cases_hash"], head.run.shard["n_cases"]):
            raise refuse(f"the cases differ between {head.name()} and {shard.name()}")
        for words, column in SAME:
            if getattr(shard.run, column) != getattr(head.run, column):
                raise refuse(f"the {words} differs between {head.name()} and {shard.name()}")
    for before, after in zip(shards, shards[1:]):
        if before.index == after.index:
            raise refuse(f"shard {after.index}/{after.count} was run twice ({before.name()} and "
                         f"{after.name()}); merge one of them")
    missing = sorted(set(range(1, head.count + 1)) - {s.index for s in shards})
    if missing:
        raise refuse("shard " + ", ".join(f"{i}/{head.count}" for i in missing)
                     + " missing (given: " + ", ".join(f"{s.index}/{s.count}" for s in shards) + ")")
    for shard in shards:
        if shard.run.status != "completed":
            raise refuse(f"{shard.name()} is {shard.run.status}, not completed; run the same "
                         "command again to finish it")
        expected = int(shard.run.n_cases) * int(shard.run.samples or 1)
        if shard.results != expected:
            raise refuse(f"{shard.name()} holds {shard.results} results, not {expected}")
        stray = _strays(target, shard)
        if stray:
            raise refuse(f"{shard.name()} holds case '{stray}', which belongs to another shard "
                         "(was it made by another evalkit version?)")
    whole = int(head.run.shard["n_cases"])
    held = sum(int(s.run.n_cases) for s in shards)
    if held != whole:
        raise refuse(f"the shards hold {held} cases, the suite {whole}")
    return shards


# The shard of a result's case, as suite/shard.py computes it: 1 + the first 8 bytes of
# sha256(key) mod N, where the key is the origin of a counterfactual variant, else the id.
_STRAYS = """
WITH keyed AS (
  SELECT case_id, json_extract_string(metadata, '$.origin') AS origin FROM "{catalog}".results
  WHERE run_id = $run),
hashed AS (
  SELECT case_id, ('0x' || left(sha256(CASE WHEN origin IS NOT NULL AND
    starts_with(case_id, origin || '~') THEN origin ELSE case_id END), 16))::UBIGINT AS h
  FROM keyed)
SELECT case_id FROM hashed WHERE 1 + h % $count::UBIGINT <> $index ORDER BY case_id LIMIT 1
"""


def _strays(target: Store, shard: ShardRun) -> str | None:
    found = target.query(_STRAYS.format(catalog=shard.catalog),
                         {"run": shard.run.run_id, "count": shard.count, "index": shard.index})
    return found[0][0] if found else None


def _merged_id(shards: list[ShardRun]) -> str:
    digest = sha256_hex(sorted(s.run.run_id for s in shards))
    first = min(s.run.started_at for s in shards)
    return f"{first:%Y%m%d-%H%M%S}-m{digest[:6]}"


def _write(target: Store, plans: list[list[ShardRun]], caches: list[str]) -> list[Merged]:
    """Every merged run and the folded caches, in one transaction."""
    outcomes = []
    own = _own_catalog(target)
    with target.transaction():
        for shards in plans:
            outcomes.append(_write_one(target, shards, own))
        for catalog in caches:
            _fold_cache(target, catalog)
    return outcomes


def _write_one(target: Store, shards: list[ShardRun], own: str) -> Merged:
    head = shards[0].run
    run_id = _merged_id(shards)
    results = sum(s.results for s in shards)
    outcome = Merged(run_id, head.suite, head.label, head.model_ref, len(shards),
                     results, already=False)
    if target.query("SELECT 1 FROM runs WHERE run_id = ?", [run_id]):
        return Merged(**{**outcome.__dict__, "already": True})
    now = utcnow()
    run = head.replace(
        run_id=run_id, cases_hash=head.shard["cases_hash"],
        n_cases=int(head.shard["n_cases"]), status="completed", started_at=now,
        finished_at=now, error=None, resume_key=None, shard=None,
        merged_from=[{"run_id": s.run.run_id, "shard": f"{s.index}/{s.count}",
                      "db": s.db, "started_at": str(s.run.started_at),
                      "finished_at": str(s.run.finished_at), "results": s.results}
                     for s in shards])
    target.create_run(run)
    for table in ("results", "scores"):
        names = [n for n in _columns(target, own, table)
                 if n in _columns(target, shards[0].catalog, table)]
        picked = ", ".join(f'"{n}"' for n in names if n != "run_id")
        for shard in shards:
            target.query(
                f'INSERT INTO {table} (run_id, {picked}) SELECT ?, {picked} '
                f'FROM "{shard.catalog}".{table} WHERE run_id = ?', [run_id, shard.run.run_id])
    return outcome


def _fold_cache(target: Store, catalog: str) -> None:
    """Response and judge caches of an input, for entries the target lacks."""
    for table in ("cache", "judge_cache"):
        names = _columns(target, catalog, table)
        if names:
            picked = ", ".join(f'"{n}"' for n in names)
            target.query(f'INSERT OR IGNORE INTO {table} ({picked}) '
                               f'SELECT {picked} FROM "{catalog}".{table}')
