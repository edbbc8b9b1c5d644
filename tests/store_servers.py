"""Database servers for the store tests: a throwaway PostgreSQL cluster on loopback.

The cluster is created once per test run with ``initdb`` in a temporary directory, started
on 127.0.0.1 on a free port with its socket in that directory, and stopped (and removed) when
the run ends. PostgreSQL refuses to run as root, so as root the directory belongs to the
``postgres`` user (created by Debian's ``postgresql`` package) and the server runs as that
user through ``runuser``.

When the server cannot start the tests fail loudly: set ``COLLABREL_SKIP_POSTGRES=1`` to skip
them instead (with that reason), for a machine without PostgreSQL.
"""

from __future__ import annotations

import atexit
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

SKIP_ENV = "COLLABREL_SKIP_POSTGRES"


class PostgresUnavailableError(RuntimeError):
    """The throwaway PostgreSQL server could not be started."""


def _binaries() -> Path:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise PostgresUnavailableError(
        "no initdb found under /usr/lib/postgresql/*/bin or on PATH; install PostgreSQL "
        "(Debian: apt-get install -y postgresql), or set COLLABREL_SKIP_POSTGRES=1 to skip"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresCluster:
    """A PostgreSQL server of our own, for one test run."""

    def __init__(self, *, fsync: bool = False) -> None:
        self.fsync = fsync
        """Whether the server syncs to disk (off for tests, on for benchmarks)."""
        self.bin = _binaries()
        self.root = Path(tempfile.mkdtemp(prefix="collabrel-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = 0
        self.user = "postgres"
        self._prefix: list[str] = []
        self._count = itertools.count()
        self._lock = threading.Lock()
        self._shared = False
        if os.geteuid() == 0:
            try:
                entry = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailableError(
                    "running as root, but there is no 'postgres' user to run the server as; "
                    "install Debian's postgresql package"
                ) from None
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
            self._prefix = ["runuser", "-u", "postgres", "--"]
        else:
            self.user = pwd.getpwuid(os.geteuid()).pw_name

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own server binaries
            [*self._prefix, *args], capture_output=True, text=True, timeout=timeout, check=False
        )

    def start(self) -> None:
        done = self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", self.user, "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        if done.returncode != 0:
            raise PostgresUnavailableError(f"initdb failed:\n{done.stdout}\n{done.stderr}")
        last = ""
        for _ in range(3):
            self.port = _free_port()
            options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c max_connections=100"
            if not self.fsync:
                options += " -c fsync=off -c full_page_writes=off"
            done = self._run(
                str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                "-o", options, "-w", "-t", "60", "start",
            )  # fmt: skip
            if done.returncode == 0:
                return
            last = done.stdout + done.stderr
            if self.log.exists():
                last += self.log.read_text(errors="replace")[-2000:]
        raise PostgresUnavailableError(f"the PostgreSQL server did not start:\n{last}")

    def stop(self) -> None:
        if self.data.exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """Return the URL of an empty database of our own.

        It is a fresh schema of one shared database, first on the connection's search path:
        the store sees an empty database, and making one takes milliseconds (``CREATE
        DATABASE`` takes about a second).
        """
        import psycopg

        with self._lock:
            name = f"t{os.getpid()}_{next(self._count)}"
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres",
            autocommit=True,
        ) as conn:
            if not self._shared:
                conn.execute("CREATE DATABASE store_tests")
                self._shared = True
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user={self.user} dbname=store_tests",
            autocommit=True,
        ) as conn:
            conn.execute(f'CREATE SCHEMA "{name}"')
        return self.url("store_tests") + f"?options=-csearch_path%3D{name}"


_CLUSTER: PostgresCluster | None = None
_FAILED: str | None = None


def postgres() -> PostgresCluster:
    """The run's PostgreSQL cluster, started on first use and stopped at exit."""
    global _CLUSTER, _FAILED  # noqa: PLW0603 - one server per test run
    if _FAILED is not None:
        raise PostgresUnavailableError(_FAILED)
    if _CLUSTER is None:
        cluster = PostgresCluster()
        atexit.register(cluster.stop)
        try:
            cluster.start()
        except (PostgresUnavailableError, OSError, subprocess.SubprocessError) as exc:
            _FAILED = str(exc)
            raise
        _CLUSTER = cluster
    return _CLUSTER


def skip_postgres() -> bool:
    """Whether the environment asks to skip the PostgreSQL tests."""
    return os.environ.get(SKIP_ENV, "") not in {"", "0"}
