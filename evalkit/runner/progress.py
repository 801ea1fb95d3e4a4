"""A live progress bar on stderr: cases done, pass rate, errors, ETA (model text never shown);
on a cluster also each node's calls per second."""
from __future__ import annotations

import sys
import time

from ..printable import printable


class Progress:
    def __init__(self, title: str, total: int, enabled: bool | None = None):
        self.total, self.done, self.passed, self.errors, self.cached = total, 0, 0, 0, 0
        self.nodes: dict[str, int] = {}  # calls made per Ray node
        self._node_started: dict[str, float] = {}
        enabled = sys.stderr.isatty() if enabled is None else enabled
        self._bar = None
        if enabled and total:
            from rich.console import Console
            from rich.markup import escape
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as Bar

            self._bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("pass {task.fields[rate]}  errors {task.fields[errors]}"
                                       "  cached {task.fields[cached]}"),
                            TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
                            TextColumn("{task.fields[nodes]}"),
                            console=Console(stderr=True), transient=False)
            # the suite's name is untrusted: no markup, no control characters
            self._task = self._bar.add_task(escape(printable(title)), total=total, rate="-",
                                            errors=0, cached=0, nodes="")
            self._bar.start()

    def advance(self, passed: bool, error: bool, cached: bool, node: str | None = None) -> None:
        self.done += 1
        self.passed += passed
        self.errors += error
        self.cached += cached
        if node is not None:
            self.nodes[node] = self.nodes.get(node, 0) + 1
            self._node_started.setdefault(node, time.monotonic())
        if self._bar is not None:
            rate = f"{self.passed / self.done:.0%}"
            self._bar.update(self._task, advance=1, rate=rate, errors=self.errors,
                             cached=self.cached, nodes=self.node_rates() if self.nodes else "")

    def node_rates(self) -> str:
        """'node 3f2a9c1b 12.5/s · node 77e0d4aa 11.9/s': calls per second since each began."""
        now = time.monotonic()
        return " · ".join(
            f"node {node[:8]} {count / max(now - self._node_started[node], 1e-3):.1f}/s"
            for node, count in sorted(self.nodes.items()))

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
