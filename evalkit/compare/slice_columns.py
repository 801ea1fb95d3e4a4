"""Slice membership columns for slice discovery (slice_search.py): metadata fields as
categorical or bucketed numeric slices, lengths and scripts of the compared cases."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..store.analytics import SliceCases
from .scripts import dominant_script

MAX_VALUES = 20  # slices per categorical field (the most frequent)
NUMERIC_DISTINCT = 10  # a numeric field with more values is bucketed
MAX_FIELDS = 64  # metadata keys searched at most


# -- features -----------------------------------------------------------------------------


@dataclass
class _Columns:
    """Slice membership columns: a boolean matrix, each column's field and label."""
    members: list
    fields: list
    labels: list
    pairable_only: list  # a declared slice key: searched in combinations only

    def add(self, field: str, label: str, mask: np.ndarray, floor: int, declared: bool) -> None:
        count = int(mask.sum())
        if floor <= count <= len(mask) - floor:
            self.members.append(mask)
            self.fields.append(field)
            self.labels.append(label)
            self.pairable_only.append(declared)


def _nice(value: float) -> float:
    """Two significant digits: bucket edges people read (400, not 398.75)."""
    if value == 0 or not math.isfinite(value):
        return value
    digits = 1 - int(math.floor(math.log10(abs(value))))
    return round(value, digits) if digits > 0 else float(round(value, digits))


def _edge(value: float) -> str:
    return f"{value:g}"


def add_numeric(columns: _Columns, field: str, values: np.ndarray, floor: int,
                declared: bool = False) -> None:
    """Quartile buckets and the outer deciles of a numeric field (NaN: no value)."""
    known = values[~np.isnan(values)]
    if len(np.unique(known)) < 2:
        return
    q10, q25, q50, q75, q90 = (_nice(float(x)) for x in np.quantile(known, [.1, .25, .5, .75, .9]))
    with np.errstate(invalid="ignore"):
        cuts = sorted({q25, q50, q75})
        columns.add(field, f"< {_edge(cuts[0])}", values < cuts[0], floor, declared)
        for low, high in zip(cuts, cuts[1:]):
            columns.add(field, f"{_edge(low)}–{_edge(high)}", (values >= low) & (values < high),
                        floor, declared)
        columns.add(field, f"≥ {_edge(cuts[-1])}", values >= cuts[-1], floor, declared)
        if q90 > cuts[-1]:
            columns.add(field, f"≥ {_edge(q90)}", values >= q90, floor, declared)
        if q10 < cuts[0]:
            columns.add(field, f"< {_edge(q10)}", values < q10, floor, declared)


def add_categorical(columns: _Columns, field: str, values, floor: int,
                    declared: bool = False) -> None:
    """A slice per value (the MAX_VALUES most frequent; None: no value)."""
    import pandas as pd

    codes, uniques = pd.factorize(pd.Series(values, dtype=object).map(
        lambda v: None if v is None else str(v)), sort=True)  # hashing, not sorting strings
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    for index in np.argsort(-counts, kind="stable")[:MAX_VALUES]:
        columns.add(field, f"= {uniques[index]}", codes == index, floor, declared)


def _as_number(value) -> float:
    if isinstance(value, bool) or value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def add_field(columns: _Columns, field: str, values: list, floor: int,
              declared: bool = False) -> None:
    """A metadata field from Python values (None: no value); see add_values."""
    labels = np.array([None if v is None else str(v) for v in values], dtype=object)
    add_values(columns, field, labels, np.array([_as_number(v) for v in values]), floor,
               declared)


def add_values(columns: _Columns, field: str, labels: np.ndarray, numbers: np.ndarray,
               floor: int, declared: bool = False) -> None:
    """A metadata field: numeric (bucketed) when every value reads as a number and there are
    more than NUMERIC_DISTINCT of them, else categorical. `labels`: the values as text (None:
    no value); `numbers`: the same as floats (NaN: not a number)."""
    present = np.not_equal(labels, None)
    if not present.any():
        return
    numeric = present & ~np.isnan(numbers)
    if numeric.sum() == present.sum() and len(np.unique(numbers[numeric])) > NUMERIC_DISTINCT:
        add_numeric(columns, field, np.where(numeric, numbers, np.nan), floor, declared)
    else:
        add_categorical(columns, field, labels, floor, declared)


def _numbers(series) -> np.ndarray:
    """A column as floats, NULL as NaN (nullable integer columns included)."""
    import pandas as pd

    return pd.to_numeric(series, errors="coerce").astype("float64").to_numpy(na_value=np.nan)


def _lengths(preferred, fallback) -> tuple[np.ndarray, str]:
    """Token counts when the backend reported them (and they vary), else characters."""
    tokens = _numbers(preferred)
    known = tokens[~np.isnan(tokens)]
    if len(known) >= 0.9 * len(tokens) and len(np.unique(known)) > 1:
        return tokens, "tokens"
    return _numbers(fallback), "characters"


def _metadata(cases: SliceCases, keys: list[str]) -> tuple[list, list]:
    """(labels, numbers) per metadata key, as the store read them."""
    frame = cases.metadata(keys)
    labels = [frame[f"v{i}"].astype(object).where(frame[f"v{i}"].notna(), None).to_numpy()
              for i in range(len(keys))]
    numbers = [frame[f"x{i}"].astype("float64").to_numpy(na_value=np.nan)
               for i in range(len(keys))]
    return labels, numbers


def features_of(cases: SliceCases, declared, floor: int) -> tuple[_Columns, list[str]]:
    """Membership columns of the compared cases (metadata, lengths, script)."""
    columns = _Columns([], [], [], [])
    frame = cases.frame
    keys = cases.metadata_keys(MAX_FIELDS)
    if keys:
        for key, labels, numbers in zip(keys, *_metadata(cases, keys)):
            add_values(columns, key, labels, numbers, floor, declared=key in declared)
    inputs, unit = _lengths(frame["tokens_in"], frame["prompt_chars"])
    add_numeric(columns, f"input {unit}", inputs, floor)
    outputs, unit_out = _lengths(frame["tokens_out"], frame["output_chars"])
    add_numeric(columns, f"baseline output {unit_out}", outputs, floor)
    add_categorical(columns, "script", [dominant_script(t) if isinstance(t, str) else None
                                        for t in frame["prompt_head"].tolist()], floor)
    fields = keys + [f"input {unit}", f"baseline output {unit_out}", "script"]
    return columns, fields
