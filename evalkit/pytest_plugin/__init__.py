"""pytest plugin: evalkit suites as test items (see docs/pytest-plugin.md)."""
