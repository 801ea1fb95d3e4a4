"""Suite files: YAML → validated spec → cases, rendered prompts and scorers."""
from .loader import Suite, load_suite, parse_vars
from .schema import SuiteSpec, suite_json_schema

__all__ = ["Suite", "SuiteSpec", "load_suite", "parse_vars", "suite_json_schema"]
