"""Shared pytest configuration: Hypothesis profiles.

Choose a profile with the environment variable ``HYPOTHESIS_PROFILE``:

- ``dev`` (the default): Hypothesis' defaults, without the deadline and the health checks
  on slow or large inputs (generated portfolios are large objects by nature).
- ``ci``: reproducible (derandomized), 50 examples per test, failing examples printed as
  reproduction blobs.
- ``thorough``: 1000 examples per test, for a nightly or pre-release run.
- ``fuzz``: 5000 examples per test, random seeds, for ``make fuzz`` (tests/test_fuzz.py).
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
settings.register_profile(
    "fuzz",
    deadline=None,
    max_examples=5000,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


# ------------------------------------------------------------------ isolated runs (hostile input)

import json  # noqa: E402 - kept with the fixture it serves
import subprocess  # noqa: E402
import sys  # noqa: E402
import textwrap  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402

ISOLATED_TIMEOUT = 10.0
"""Seconds a hostile case may run before it counts as a hang."""
ISOLATED_MEMORY = 2 << 30
"""Bytes of address space a hostile case may use before it counts as a memory blow-up."""


@dataclass(frozen=True)
class Isolated:
    """What a snippet run in a fresh interpreter did."""

    returncode: int
    """The exit code (negative: killed by that signal, such as -11 for a crash)."""
    stdout: str
    stderr: str
    timed_out: bool
    result: object
    """The JSON value the snippet printed on its last stdout line, if any."""

    @property
    def crashed(self) -> bool:
        """Whether the interpreter died of a signal (segmentation fault, abort, memory)."""
        return self.returncode < 0


_PRELUDE = (
    f"import resource as _r; _r.setrlimit(_r.RLIMIT_AS, ({ISOLATED_MEMORY}, {ISOLATED_MEMORY}))\n"
)
"""Sets the memory limit inside the child (no preexec_fn: the suite may run threads)."""


def run_isolated(
    code: str, *, timeout: float = ISOLATED_TIMEOUT, args: tuple[str, ...] = ()
) -> Isolated:
    """Run *code* in a fresh Python with a time and memory limit; never hangs the suite.

    The snippet reports its outcome by printing one JSON value as the last line of stdout
    (``print(json.dumps(...))``); it is parsed into ``result``.
    """
    try:
        proc = subprocess.run(  # noqa: S603 - our own interpreter, our own snippet
            [sys.executable, "-c", _PRELUDE + textwrap.dedent(code), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        return Isolated(returncode=-9, stdout=out, stderr=err, timed_out=True, result=None)
    lines = proc.stdout.strip().splitlines()
    result: object = None
    if lines:
        try:
            result = json.loads(lines[-1])
        except ValueError:
            result = None
    return Isolated(
        returncode=proc.returncode,
        stdout=proc.stdout,
        stderr=proc.stderr,
        timed_out=False,
        result=result,
    )


@pytest.fixture
def isolated() -> Callable[..., Isolated]:
    """Run a snippet in a fresh interpreter with a 10 s and 2 GiB limit (hostile input)."""
    return run_isolated


# ------------------------------------------------------------------ database servers (store)


def _store_servers() -> object:
    """``tests/store_servers.py``, loaded once (the tests folder is not a package)."""
    import importlib.util
    from pathlib import Path

    module = sys.modules.get("store_servers")
    if module is None:
        spec = importlib.util.spec_from_file_location(
            "store_servers", Path(__file__).with_name("store_servers.py")
        )
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["store_servers"] = module
        spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def postgres_cluster() -> object:
    """A throwaway PostgreSQL server on loopback for this run (see tests/store_servers.py)."""
    servers: Any = _store_servers()
    if servers.skip_postgres():
        pytest.skip(f"PostgreSQL tests skipped: {servers.SKIP_ENV} is set")
    return servers.postgres()
