"""Masking stays exact with its fast paths: short texts remembered between rows are
forgotten when a secret is registered, and the C-level marker test finds every key shape."""
from __future__ import annotations

import secrets

from evalkit import redact


def test_a_short_text_seen_before_a_secret_is_registered_is_masked_after():
    token = "zq" + secrets.token_hex(6)
    text = f"the answer quotes {token} here"
    assert redact.redact(text) == text  # remembered as safe
    redact.register(token)
    assert redact.redact(text) == "the answer quotes *** here"


def test_the_memo_is_bounded():
    for index in range(redact.SHORT_MEMO + 10):
        redact.redact(f"row {index}")
    assert len(redact._short) <= redact.SHORT_MEMO


def test_the_marker_prefilter_passes_every_shapes_marker():
    for _, markers, lower in redact._KEYS:
        for marker in markers:
            text = f"xx {marker.upper() if lower else marker} yy"
            assert redact._key_patterns_to_run(text), marker
    assert redact._key_patterns_to_run("plain words about keys and tokens") == []


def test_long_and_short_texts_mask_the_same_way():
    key = "sk-" + "A1b2C3d4" * 4
    short, long_ = f"key {key}", f"key {key} " + "filler " * 40
    assert redact.redact(short) == "key ***"
    assert redact.redact(long_).startswith("key *** filler")
