"""DuckDB schema, as numbered migrations applied in order and recorded in schema_migrations.

Results are long rows keyed by (run_id, case_id, sample[, scorer]); metrics are queries.
"""
from __future__ import annotations

MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "initial schema", """
CREATE TABLE runs (
    run_id       VARCHAR PRIMARY KEY,
    suite        VARCHAR NOT NULL,
    suite_path   VARCHAR,
    suite_hash   VARCHAR NOT NULL,
    cases_hash   VARCHAR,
    prompt_hash  VARCHAR,
    model_ref    VARCHAR NOT NULL,
    backend      VARCHAR NOT NULL,
    options      JSON,         -- backend options (secrets masked) + generation options
    fingerprint  VARCHAR,
    label        VARCHAR,
    seed         BIGINT,
    samples      INTEGER,
    n_cases      INTEGER,
    status       VARCHAR NOT NULL,  -- running | completed | interrupted | failed (| partial: 6)
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    provenance   JSON,
    scorers      JSON,
    slices       JSON,         -- metadata keys the suite groups results by
    resume_key   VARCHAR,      -- same suite, model, options and label: resumed automatically
    error        VARCHAR
);
CREATE TABLE results (
    run_id        VARCHAR NOT NULL,
    case_id       VARCHAR NOT NULL,
    sample        INTEGER NOT NULL,
    input_hash    VARCHAR,
    prompt        JSON,
    output        VARCHAR,
    error         VARCHAR,
    latency_s     DOUBLE,
    tokens_in     BIGINT,
    tokens_out    BIGINT,
    cost_usd      DOUBLE,
    cached        BOOLEAN,
    attempts      INTEGER,
    finish_reason VARCHAR,
    model_id      VARCHAR,
    target        JSON,
    vars          JSON,
    metadata      JSON,
    context       JSON,
    citations     JSON,
    passed        BOOLEAN,     -- every scorer passed and the call succeeded
    created_at    TIMESTAMP DEFAULT current_timestamp,
    PRIMARY KEY (run_id, case_id, sample)
);
CREATE TABLE scores (
    run_id      VARCHAR NOT NULL,
    case_id     VARCHAR NOT NULL,
    sample      INTEGER NOT NULL,
    scorer      VARCHAR NOT NULL,
    value       DOUBLE,
    passed      BOOLEAN,
    explanation VARCHAR,
    details     JSON,
    PRIMARY KEY (run_id, case_id, sample, scorer)
);
CREATE TABLE cache (
    key         VARCHAR PRIMARY KEY,  -- hash of fingerprint, request, options, sample
    fingerprint VARCHAR,
    completion  JSON NOT NULL,
    created_at  TIMESTAMP DEFAULT current_timestamp
);
CREATE TABLE baselines (
    name   VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,
    set_at TIMESTAMP DEFAULT current_timestamp,
    note   VARCHAR
);
"""),
    # Comparison: the suite's gate policy on each run (so a diff needs no suite file), and
    # baselines as a history of actions (set / rollback) in order.
    (2, "gates on runs, baseline actions", """
ALTER TABLE runs ADD COLUMN gates JSON;
ALTER TABLE baselines ADD COLUMN action VARCHAR DEFAULT 'set';
ALTER TABLE baselines ADD COLUMN seq INTEGER;
"""),
    # LLM-judge verdicts, cached apart from the model's responses (scorers/judge.py).
    (3, "judge verdict cache", """
CREATE TABLE judge_cache (
    key        VARCHAR PRIMARY KEY,  -- hash of judge identity, rubric hash, judged messages, repeat
    judge      VARCHAR NOT NULL,     -- model reference @ fingerprint
    verdict    JSON NOT NULL,        -- {"score", "reason", "rubric_sha256"}
    created_at TIMESTAMP DEFAULT current_timestamp
);
"""),
    # Sharded CI (issue 15): the shard a run holds ({index, count, cases_hash and n_cases of
    # the whole suite}), and on a merged run the shard runs it was folded from.
    (4, "shards: runs.shard, runs.merged_from", """
ALTER TABLE runs ADD COLUMN shard JSON;
ALTER TABLE runs ADD COLUMN merged_from JSON;
"""),
    # `evalkit run --executor ray`: the Ray node and worker that made each call (NULL for
    # calls made in the driver process and for cache hits). IF NOT EXISTS: idempotent.
    (5, "result node and worker ids", """
ALTER TABLE results ADD COLUMN IF NOT EXISTS node_id VARCHAR;
ALTER TABLE results ADD COLUMN IF NOT EXISTS worker_id VARCHAR;
"""),
    # Runs dispatched in batches (issue 17: --sequential, budget caps): where and why dispatch
    # stopped ({stopped, reason, decision, cases_run, cases_total, spent, sequential...});
    # a run stopped before its last case has status 'partial' and resumes like an interrupted one.
    (6, "runs.stop: sequential and budget stops", """
ALTER TABLE runs ADD COLUMN IF NOT EXISTS stop JSON;
"""),
    # The model-swap changelog (issue 16): who made each baseline change, and what it
    # changed: the comparison with the run it replaced (answer, key deltas, flips, waivers,
    # what else changed) as JSON. The `note` column holds the why (-m).
    (7, "baseline changelog: changed_by, summary", """
ALTER TABLE baselines ADD COLUMN IF NOT EXISTS changed_by VARCHAR;
ALTER TABLE baselines ADD COLUMN IF NOT EXISTS summary JSON;
"""),
    # Human review (issue 16): each reviewer's rating of an output on a suite's human rubric
    # (the scores rows of `human:<rubric>` are their aggregate), and flip adjudications.
    (8, "human ratings, flip adjudications", """
CREATE TABLE IF NOT EXISTS human_ratings (
    run_id      VARCHAR NOT NULL,
    case_id     VARCHAR NOT NULL,
    sample      INTEGER NOT NULL,
    rubric      VARCHAR NOT NULL,
    reviewer    VARCHAR NOT NULL,
    score       DOUBLE NOT NULL,   -- on the rubric's scale (pass/fail: 1/0)
    comment     VARCHAR,
    rated_at    TIMESTAMP,
    review_id   VARCHAR,           -- the review page it came from
    blind       BOOLEAN,
    imported_at TIMESTAMP DEFAULT current_timestamp,
    PRIMARY KEY (run_id, case_id, sample, rubric, reviewer)
);
CREATE TABLE IF NOT EXISTS adjudications (
    suite          VARCHAR NOT NULL,
    case_id        VARCHAR NOT NULL,
    sample         INTEGER NOT NULL,
    baseline_run   VARCHAR NOT NULL,
    candidate_run  VARCHAR NOT NULL,
    decision       VARCHAR NOT NULL,  -- regression | acceptable | golden_wrong
    reason         VARCHAR,
    reviewer       VARCHAR NOT NULL,
    decided_at     TIMESTAMP,
    expires        DATE,              -- an acceptable change is waived until then
    golden_applied BOOLEAN DEFAULT false,
    imported_at    TIMESTAMP DEFAULT current_timestamp,
    PRIMARY KEY (baseline_run, candidate_run, case_id, sample, reviewer)
);
"""),
]

RESULT_COLUMNS = ("run_id", "case_id", "sample", "input_hash", "prompt", "output", "error",
                  "latency_s", "tokens_in", "tokens_out", "cost_usd", "cached", "attempts",
                  "finish_reason", "model_id", "target", "vars", "metadata", "context",
                  "citations", "passed", "node_id", "worker_id")
SCORE_COLUMNS = ("run_id", "case_id", "sample", "scorer", "value", "passed", "explanation",
                 "details")
CACHE_COLUMNS = ("key", "fingerprint", "completion")
