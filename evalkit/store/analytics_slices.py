"""The per-case features slice discovery searches (compare/slice_search.py), read from a
comparison's alignment: part of the read-only analytics entry (store/analytics.py).

`slice_cases` holds them in a TEMP table for the search's lifetime and drops it after.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .analytics_align import Alignment
from .slices import json_path
from .store import Store

CASE_FEATURES = """
CREATE OR REPLACE TEMP TABLE _ek_slice_cases AS
WITH base AS (SELECT * FROM results WHERE run_id = $base
              QUALIFY row_number() OVER (PARTITION BY case_id ORDER BY sample) = 1),
     cand AS (SELECT case_id, metadata FROM results WHERE run_id = $cand
              QUALIFY row_number() OVER (PARTITION BY case_id ORDER BY sample) = 1)
SELECT case_id, a, b, metadata, tokens_in, tokens_out, length(prompt_text) AS prompt_chars,
       output_chars, left(prompt_text, 600) AS prompt_head
FROM (SELECT u.case_id, u.a, u.b, coalesce(c.metadata, b.metadata) AS metadata,
             b.tokens_in, b.tokens_out, length(b.output) AS output_chars,
             -- the prompt's text: a raw prompt, or its chat messages' contents
             coalesce(json_extract_string(b.prompt, '$.prompt'), array_to_string(
                 json_extract_string(b.prompt, '$.messages[*].content'), ' ')) AS prompt_text
      FROM _ek_units u JOIN base b USING (case_id) LEFT JOIN cand c USING (case_id)
      WHERE u.metric = $metric AND u.stat = 'pass_rate')
"""
SAMPLE = """DELETE FROM _ek_slice_cases WHERE case_id NOT IN (SELECT case_id FROM _ek_slice_cases
            ORDER BY hash(case_id, $seed) LIMIT $limit)"""
KEYS = """SELECT key FROM (SELECT unnest(json_keys(metadata)) AS key FROM _ek_slice_cases
          WHERE json_type(metadata) = 'OBJECT') GROUP BY key ORDER BY key LIMIT $most"""
FEATURES = ("SELECT case_id, a, b, tokens_in, tokens_out, prompt_chars, output_chars, "
            "prompt_head FROM _ek_slice_cases ORDER BY case_id")


class SliceCases:
    """The compared cases of one metric: a (baseline), b (candidate), lengths, prompt head."""

    def __init__(self, store: Store):
        self.store = store
        self.frame = store.df(FEATURES)  # by case id

    def metadata_keys(self, most: int) -> list[str]:
        """The cases' metadata keys (objects only), sorted, at most `most`."""
        return [k for (k,) in self.store._query(KEYS, {"most": most})]

    def metadata(self, keys: list[str]):
        """Per key i: its scalar value as text (`v{i}`) and as a number (`x{i}`), by case id
        (an object or a list is no value)."""
        parts = []
        for i in range(len(keys)):
            value = (f"CASE WHEN json_type(metadata, $p{i}) IN ('OBJECT', 'ARRAY') THEN NULL "
                     f"ELSE json_extract_string(metadata, $p{i}) END")
            parts += [f"{value} AS v{i}", f"TRY_CAST({value} AS DOUBLE) AS x{i}"]
        return self.store.df(f"SELECT {', '.join(parts)} FROM _ek_slice_cases ORDER BY "
                      "case_id", {f"p{i}": json_path(k) for i, k in enumerate(keys)})


@contextmanager
def slice_cases(alignment: Alignment, metric: str, *, seed: int,
                most: int) -> Iterator[SliceCases]:
    """The aligned cases of `metric` (a seeded sample of `most` when there are more)."""
    store = alignment.store
    store._query(CASE_FEATURES, {"base": alignment.base, "cand": alignment.cand,
                                 "metric": metric})
    try:
        if store._query("SELECT count(*) FROM _ek_slice_cases")[0][0] > most:
            store._query(SAMPLE, {"seed": seed, "limit": most})
        yield SliceCases(store)
    finally:
        store._query("DROP TABLE IF EXISTS _ek_slice_cases")
