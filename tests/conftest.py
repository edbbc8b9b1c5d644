"""Shared pytest configuration: Hypothesis profiles.

Choose a profile with the environment variable ``HYPOTHESIS_PROFILE``:

- ``dev`` (the default): Hypothesis' defaults, without the deadline and the health checks
  on slow or large inputs (generated portfolios are large objects by nature).
- ``ci``: reproducible (derandomized), 50 examples per test, failing examples printed as
  reproduction blobs.
- ``thorough``: 1000 examples per test, for a nightly or pre-release run.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=50,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=1000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
