"""pytest plugin: evalkit suites as test items (see docs/pytest-plugin.md).

plugin.py is the `pytest11` entry point (hooks and the `evalkit` fixture); options.py the
options and their environment / ini twins; collection.py suite files → items; items.py the
items and their failure reports; execution.py the session state and the one-batch run of a
suite; golden.py golden files; fixture.py the fixture's helper; xdist.py sharing one DuckDB
file between pytest-xdist workers; summary.py the terminal summary and HTML reports.
Nothing heavy is imported until a suite file is collected or an item runs.
"""
