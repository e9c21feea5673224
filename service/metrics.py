"""Prometheus metrics: counts, latencies and overrides. Labels are route templates and
codes, never narrative text, names or ids of children."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()  # per app, so test apps do not collide
        self.requests = Counter(
            "threshold_http_requests_total", "HTTP requests by route template and status.",
            ["method", "route", "status"], registry=self.registry,
        )
        self.latency = Histogram(
            "threshold_http_request_seconds", "HTTP request latency by route template.",
            ["method", "route"], registry=self.registry,
        )
        self.suggestion_seconds = Histogram(
            "threshold_suggestion_seconds", "Time to run the pipeline on one narrative.",
            buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5), registry=self.registry,
        )
        self.decisions = Counter("threshold_decisions_total", "Decisions recorded.", registry=self.registry)
        self.overrides = Counter(
            "threshold_overrides_total", "Departures from the suggestion, by kind.",
            ["kind"], registry=self.registry,
        )

    def count_departures(self, departures: list[str]) -> None:
        for departure in departures:
            if departure.startswith("level"):
                self.overrides.labels("level").inc()
            elif departure.startswith("tools"):
                self.overrides.labels("tool").inc()
            else:
                self.overrides.labels("indicator").inc()
