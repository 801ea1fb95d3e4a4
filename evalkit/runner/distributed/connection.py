"""Joining a Ray cluster: `--ray-address auto` (a cluster this machine belongs to),
`ray://HOST:10001` (Ray Client), `HOST:6379`; no address starts a local Ray for this process
(or joins the one `RAY_ADDRESS` names, as Ray itself does)."""
from __future__ import annotations

import logging
from typing import Any, Sequence

from ...errors import EvalkitError, MissingExtraError, UsageError

NAMESPACE = "evalkit"


def require_ray() -> None:
    """Fail before any run starts when the extra is missing (find_spec imports nothing)."""
    from importlib.util import find_spec

    if find_spec("ray") is None:
        raise MissingExtraError("ray", "ray", "--executor ray")


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise MissingExtraError("ray", "ray", "--executor ray") from None
    return ray


def connect(address: str | None) -> tuple[Any, bool]:
    """The `ray` module, initialised (once per process), and whether this call did it (its
    caller then shuts Ray down when done: the CLI ends with os._exit, which skips Ray's own
    atexit shutdown and would leave a local Ray's agents running)."""
    ray = import_ray()
    if ray.is_initialized():
        return ray, False
    options: dict[str, Any] = {"namespace": NAMESPACE, "logging_level": logging.WARNING,
                               "log_to_driver": False, "ignore_reinit_error": True}
    if not address:
        options["include_dashboard"] = False  # a local Ray for this run: no web server
    try:
        ray.init(address=address or None, **options)
    except (ConnectionError, TimeoutError, ValueError, RuntimeError) as exc:
        where = f"at {address}" if address else "locally"
        raise UsageError(f"cannot start or reach Ray {where}: {type(exc).__name__}: "
                         f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''}\n"
                         "  fix: start a cluster (`ray start --head`) and pass "
                         "--ray-address auto, or leave --ray-address out to start a local one"
                         ) from None
    return ray, True


def streaming_supported(ray: Any) -> bool:
    """Streaming generators (results call by call) need a direct connection; Ray Client
    (ray://) gets whole batches instead."""
    try:
        return not ray.util.client.ray.is_connected()
    except AttributeError:
        return True


def nodes(ray: Any) -> list[dict[str, float]]:
    """Each alive node's total resources."""
    alive = [n for n in ray.nodes() if n.get("Alive")]
    if not alive:
        raise EvalkitError("the Ray cluster has no alive node")
    return [dict(n.get("Resources", {})) for n in alive]


def kill(ray: Any, actors: Sequence[Any]) -> None:
    """End actors for good (no restart); one already gone is no error."""
    for actor in actors:
        try:
            ray.kill(actor, no_restart=True)
        except Exception:
            pass
