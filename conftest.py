"""Repository-wide pytest setup: tests run offline and never touch the user's caches."""
import os
import tempfile

# No test may reach a hub; datasets/transformers caches live in a throwaway folder.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="evalkit-hf-"))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
# The native client honours HTTP(S)_PROXY: a proxy in the caller's shell must not carry the
# tests' calls to their loopback servers.
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("no_proxy", "127.0.0.1,localhost")
os.environ.pop("EVALKIT_DB", None)
