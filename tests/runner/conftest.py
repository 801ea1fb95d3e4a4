"""Fixtures for the runner tests (shared with the other folders through tests/cli/helpers.py)."""
from tests.cli.helpers import srv  # noqa: F401  (a fixture)
