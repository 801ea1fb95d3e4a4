"""Template CPU and memory bombs: `evalkit validate` refuses each in seconds, with a one-line
error naming the case and the template line, inside a 2 GiB address-space limit (without
the bounds, each of these hangs the loader or asks for gigabytes)."""
from __future__ import annotations

import resource
import subprocess
import time

import pytest

from evalkit.suite import load_suite
from evalkit.suite.template_bounds import MAX_RENDER_CHARS
from tests.cli.helpers import clean_env, evalkit_command

from .helpers import write

BOMBS = {  # name: (template line 2, what the error says)
    "center": ("{{ q.center(10**9) }}", "center() width 1,000,000,000 is larger than 1,000,000"),
    "percent": ("{{ '%01000000000d' % 1 }}", "a format width 1,000,000,000 is larger"),
    "format-filter": ("{{ '%1000000000s'|format(q) }}", "a format width 1,000,000,000 is larger"),
    "str-format": ("{{ '{:>1000000000}'.format(q) }}", "a format width 1,000,000,000 is larger"),
    "center-filter": ("{{ q|center(10**9) }}", "center width 1,000,000,000 is larger"),
    "namespace": ("{% set ns = namespace(s=q) %}{% for i in range(64) %}"
                  "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
                  f"the template builds a value longer than {MAX_RENDER_CHARS:,}"),
    "loops": ("{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
              "the template runs more than 1,000,000 loop iterations or calls for one case"),
    "integer": ("{% set ns = namespace(x=7) %}{% for i in range(64) %}"
                "{% set ns.x = ns.x * ns.x %}{% endfor %}{{ ns.x }}",
                "the template builds an integer larger than 100,000 bits"),
    "join": ("{{ ([q * 100000] * 1000)|join }}", "join() would build more than"),
    "macro": ("{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}"
              "{{ f(60) }}", "rendering took longer than 2 s"),
}


def _suite(folder, name, line):
    return write(folder / f"{name}.yaml", f"""
        suite: {name}
        prompt: |
          Question: {{{{ q }}}}
          {line}
        cases:
          - {{id: first, q: fine}}
        """)


def _limit_memory():  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024 ** 3, 2 * 1024 ** 3))


def test_validate_refuses_every_bomb_quickly_with_case_and_line(tmp_path):
    paths = [_suite(tmp_path, name, line) for name, (line, _) in BOMBS.items()]
    started = time.monotonic()
    proc = subprocess.run([*evalkit_command(), "validate", *map(str, paths)], cwd=tmp_path,
                          env=clean_env(), capture_output=True, text=True, timeout=120,
                          preexec_fn=_limit_memory)
    elapsed = time.monotonic() - started
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    for name, (_, message) in BOMBS.items():
        path = tmp_path / f"{name}.yaml"
        prefix = f"{path}:4:1: error: case 'first' ({path}:6:5): "
        [line] = [x for x in proc.stderr.splitlines() if x.startswith(prefix)]
        assert message in line, line
        assert line.endswith("(at prompt.user, template line 2)"), line
    assert elapsed < 60, f"{elapsed:.1f} s for {len(BOMBS)} bombs"


def test_every_case_gets_its_budget_and_the_suite_one_in_all(tmp_path, monkeypatch):
    """Ordinary templates are unaffected; a suite whose cases together take too long stops
    with an error saying how many cases were left."""
    from evalkit.suite import template_bounds

    path = write(tmp_path / "s.yaml", """
        suite: s
        prompt: "{% for i in range(2000) %}{{ i }}{% endfor %}{{ q|upper }}"
        cases:
          - {id: a, q: x}
          - {id: b, q: y}
          - {id: c, q: z}
        """)
    suite = load_suite(path)
    assert suite.requests["c"].messages[-1].content.endswith("1999Z")
    monkeypatch.setattr(template_bounds, "SUITE_SECONDS", 0.0)
    with pytest.raises(Exception) as info:
        load_suite(path)
    assert "rendering the suite's prompts took longer than 0 s: 3 of 3 cases left unrendered" \
        in str(info.value)
