"""`evalkit run --executor ray`: model replicas and scorer pools on a Ray cluster (docs/scale.md).

Only `placement` is imported without Ray (it reads `-M replicas=…` and friends); every other
module here is imported when the Ray executor is chosen.
"""
