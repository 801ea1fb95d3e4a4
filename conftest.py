"""Repository-wide pytest setup: tests run offline and never touch the user's caches."""
import os
import tempfile

# No test may reach a hub; datasets/transformers caches live in a throwaway folder.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="evalkit-hf-"))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.pop("EVALKIT_DB", None)
