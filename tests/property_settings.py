"""The one Hypothesis setting of the property tests: many cases, the same each run."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

# A thousand generated cases, the same ones on every run (derandomized, no
# example database), with no per-example deadline.
# The autouse config-dir fixture is per test, not per example: a property whose
# examples write files gives each example its own temporary folder.
THOROUGH = settings(
    max_examples=1000,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
