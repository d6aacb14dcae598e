"""Supervision of what the embedded stack started: each child is restarted with back-off when it dies.

``make run`` is what a pilot runs on, so a crashed broker, PostgreSQL or service must not wait for a person.
The supervisor polls its children; a child that exited is started again after a back-off that doubles with
each crash (1 s, 2 s, 4 s … at most 30 s), with a log line each time. A child that crashes more than
``max_crashes`` times within ``window_s`` is not restarted again: the stack stops, because something is
wrong that a restart will not mend (a port taken, a broken migration, a full disk).

A child may need recovery work after its restart (the in-memory broker lost every event it held: topics
are created again and the outboxes re-published). That work is retried on later polls until it succeeds,
e.g. when PostgreSQL was down at the same moment.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from devstack.infra import die_with_parent


class Child(Protocol):
    name: str

    def start(self) -> None: ...

    def exit_code(self) -> int | None:
        """None while it runs; its exit code (or -1 when unknown) once it is gone."""

    def pid(self) -> int | None: ...

    def stop(self) -> None: ...


@dataclass(frozen=True)
class RestartPolicy:
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 30.0
    max_crashes: int = 5  # within window_s; one more and the stack stops
    window_s: float = 300.0

    def backoff(self, crashes: int) -> float:
        return min(self.backoff_max_s, self.backoff_initial_s * 2 ** max(0, crashes - 1))


class GaveUp(RuntimeError):
    """A child crashed too often; the stack stops."""

    def __init__(self, child: str, crashes: int, window_s: float) -> None:
        super().__init__(f"{child} crashed {crashes} times within {window_s:.0f} s; not restarting it again")
        self.child = child


@dataclass
class _Watch:
    child: Child
    recover: Callable[[], None] | None
    crashes: list[float] = field(default_factory=list)
    restart_at: float | None = None
    recovery_due: bool = False
    restarts: int = 0


class Supervisor:
    def __init__(
        self,
        policy: RestartPolicy | None = None,
        *,
        log: Callable[[str], None] = print,
        clock: Callable[[], float] = time.monotonic,
        on_restart: Callable[[Child], None] | None = None,
    ) -> None:
        self.policy = policy or RestartPolicy()
        self.log, self.clock, self.on_restart = log, clock, on_restart
        self._watches: list[_Watch] = []

    def watch(self, child: Child, *, recover: Callable[[], None] | None = None) -> None:
        """Supervise a started child; ``recover`` runs after each of its restarts (retried until it succeeds)."""
        self._watches.append(_Watch(child, recover))

    @property
    def children(self) -> Sequence[Child]:
        return [w.child for w in self._watches]

    def restarts(self, name: str) -> int:
        return next(w.restarts for w in self._watches if w.child.name == name)

    def poll(self) -> None:
        """Notice exits, restart what is due, run pending recovery. Raises ``GaveUp``."""
        now = self.clock()
        for watch in self._watches:
            if watch.restart_at is None:
                code = watch.child.exit_code()
                if code is not None:
                    self._crashed(watch, f"exited with code {code}", now)
            elif now >= watch.restart_at:
                self._restart(watch, now)
            if watch.recovery_due and watch.restart_at is None and watch.recover is not None:
                try:
                    watch.recover()
                    watch.recovery_due = False
                except Exception as exc:  # e.g. PostgreSQL is down too: try again at the next poll
                    self.log(f"  … {watch.child.name}: recovery after the restart failed ({exc!r:.200}); retrying")

    def _crashed(self, watch: _Watch, why: str, now: float) -> None:
        watch.crashes = [t for t in watch.crashes if now - t < self.policy.window_s] + [now]
        if len(watch.crashes) > self.policy.max_crashes:
            raise GaveUp(watch.child.name, len(watch.crashes), self.policy.window_s)
        delay = self.policy.backoff(len(watch.crashes))
        watch.restart_at = now + delay
        self.log(
            f"✗ {watch.child.name} {why}; restarting in {delay:.0f} s "
            f"(crash {len(watch.crashes)} of {self.policy.max_crashes} allowed within {self.policy.window_s:.0f} s)"
        )

    def _restart(self, watch: _Watch, now: float) -> None:
        try:
            watch.child.start()
        except Exception as exc:
            watch.restart_at = None
            self._crashed(watch, f"could not be started ({exc!r:.200})", now)
            return
        watch.restart_at = None
        watch.restarts += 1
        watch.recovery_due = watch.recover is not None
        self.log(f"↻ {watch.child.name} restarted (pid {watch.child.pid()})")
        if self.on_restart is not None:
            self.on_restart(watch.child)

    def stop_all(self) -> None:
        """Stop the children in the reverse order of ``watch`` (services before the broker and the database)."""
        for watch in reversed(self._watches):
            watch.child.stop()


class ProcessChild:
    """A child process started from a command line, its output appended to a log file."""

    def __init__(self, name: str, argv: list[str], *, cwd: Path, env: dict[str, str], log_path: Path | None) -> None:
        self.name, self.argv, self.cwd, self.env, self.log_path = name, argv, cwd, env, log_path
        self._proc: subprocess.Popen | None = None

    def start(self) -> None:
        logfile = open(self.log_path, "ab") if self.log_path else None  # noqa: SIM115 - owned by the child
        self._proc = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env=self.env,
            stdout=logfile,
            stderr=subprocess.STDOUT if logfile else None,
            start_new_session=True,  # Ctrl-C in the terminal reaches the supervisor only; it stops the children
            preexec_fn=die_with_parent,
        )

    def exit_code(self) -> int | None:
        return None if self._proc is None else self._proc.poll()

    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def interrupt(self) -> None:
        """Ask it to stop (SIGINT: uvicorn drains requests and the runtime stops its workers); see ``stop``."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGINT)

    def stop(self, timeout: float = 20) -> None:
        """Interrupt it (if not done yet) and wait; killed when it takes longer than ``timeout``."""
        if self._proc is None or self._proc.poll() is not None:
            return
        self.interrupt()
        try:
            self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
