"""An evalkit hook plugin for OpenTelemetry: one span per run (its results as span events)
and one span per comparison, through whatever TracerProvider the process has.

Register it in the plugin's pyproject.toml:

    [project.entry-points."evalkit.hooks"]
    otel = "evalkit_otel_hook:OtelHook"

With no provider configured by the application, EVALKIT_OTEL_FILE=PATH sets up the SDK with
a ConsoleSpanExporter writing each finished span as JSON to PATH (a local mode for trying it
out, and for the tests); otherwise the application's own provider and exporters (OTLP...)
receive the spans.
"""
from __future__ import annotations

import os
import threading

from opentelemetry import trace

_setup_lock = threading.Lock()
_configured = False


def _local_file_provider() -> None:
    """EVALKIT_OTEL_FILE: the SDK with a console exporter into that file, flushed at exit."""
    global _configured
    path = os.environ.get("EVALKIT_OTEL_FILE")
    with _setup_lock:
        if _configured or not path:
            return
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

        out = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed by the exporter's shutdown
        provider = TracerProvider(resource=Resource.create({"service.name": "evalkit"}))
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(
            out=out, formatter=lambda span: span.to_json(indent=None) + "\n")))
        trace.set_tracer_provider(provider)  # the SDK registers its shutdown with atexit
        _configured = True


class OtelHook:
    def __init__(self) -> None:
        _local_file_provider()
        self.tracer = trace.get_tracer("evalkit")
        self.spans: dict[str, trace.Span] = {}
        self._lock = threading.Lock()

    def run_started(self, event) -> None:
        span = self.tracer.start_span(f"evalkit run {event.suite}", attributes={
            "evalkit.run_id": event.run_id, "evalkit.suite": event.suite,
            "evalkit.model": event.model, "evalkit.label": event.label or "",
            "evalkit.cases": event.cases, "evalkit.samples": event.samples})
        with self._lock:
            self.spans[event.run_id] = span

    def result_stored(self, event) -> None:
        span = self.spans.get(event.run_id)
        if span is not None:
            span.add_event("result", attributes={
                "evalkit.case_id": event.case_id, "evalkit.sample": event.sample,
                "evalkit.passed": event.passed, "evalkit.cached": event.cached,
                **({"evalkit.error": event.error} if event.error else {}),
                **({"evalkit.latency_s": event.latency_s} if event.latency_s is not None else {})})

    def run_finished(self, event) -> None:
        with self._lock:
            span = self.spans.pop(event.run_id, None)
        if span is None:
            return
        span.set_attributes({"evalkit.status": event.status, "evalkit.passed": event.passed,
                             "evalkit.errors": event.errors, "evalkit.cached": event.cached,
                             "evalkit.total": event.total})
        if event.status != "completed":
            span.set_status(trace.Status(trace.StatusCode.ERROR, event.status))
        span.end()

    def comparison_made(self, event) -> None:
        with self.tracer.start_as_current_span(f"evalkit compare {event.suite}", attributes={
                "evalkit.baseline_run": event.baseline_run,
                "evalkit.candidate_run": event.candidate_run,
                "evalkit.answer": event.answer}) as span:
            for row in event.metrics:
                span.add_event("metric", attributes={
                    k: v for k, v in row.items() if isinstance(v, (str, bool, int, float))})
