"""The embedded stack's supervisor, on fake children and a fake clock: restart with doubling back-off, give up
after repeated crashes, recovery retried until it succeeds (the real processes: test_devstack_supervision)."""

from __future__ import annotations

import pytest

from devstack.supervisor import GaveUp, RestartPolicy, Supervisor


class FakeChild:
    def __init__(self, name: str, *, fail_starts: int = 0) -> None:
        self.name, self.fail_starts = name, fail_starts
        self.running, self.starts, self._pid = True, 0, 100

    def start(self) -> None:
        if self.fail_starts:
            self.fail_starts -= 1
            raise OSError("port taken")
        self.running, self.starts, self._pid = True, self.starts + 1, self._pid + 1

    def exit_code(self) -> int | None:
        return None if self.running else -9

    def pid(self) -> int | None:
        return self._pid

    def stop(self) -> None:
        self.running = False


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def supervised(child: FakeChild, **policy) -> tuple[Supervisor, Clock, list[str]]:
    clock, lines = Clock(), []
    supervisor = Supervisor(RestartPolicy(**policy), log=lines.append, clock=clock)
    supervisor.watch(child)
    return supervisor, clock, lines


def test_a_dead_child_is_restarted_after_a_backoff_that_doubles_with_each_crash() -> None:
    broker = FakeChild("broker")
    supervisor, clock, lines = supervised(broker, backoff_initial_s=1, backoff_max_s=30)
    supervisor.poll()
    assert broker.starts == 0  # alive: nothing to do

    broker.running = False
    supervisor.poll()
    assert "broker exited with code -9; restarting in 1 s" in lines[-1]
    clock.now = 0.5
    supervisor.poll()
    assert broker.starts == 0  # not before its back-off
    clock.now = 1.0
    supervisor.poll()
    assert broker.starts == 1 and broker.running and lines[-1] == "↻ broker restarted (pid 101)"

    broker.running = False
    supervisor.poll()
    assert "restarting in 2 s (crash 2 of 5" in lines[-1]
    clock.now = 3.0
    supervisor.poll()
    assert broker.starts == 2 and supervisor.restarts("broker") == 2


def test_a_child_that_keeps_crashing_stops_the_stack_but_old_crashes_are_forgiven() -> None:
    intake = FakeChild("intake")
    supervisor, clock, _ = supervised(intake, backoff_initial_s=1, backoff_max_s=1, max_crashes=2, window_s=60)
    for _ in range(2):
        intake.running = False
        supervisor.poll()
        clock.now += 1
        supervisor.poll()
    clock.now += 120  # the two crashes leave the window
    intake.running = False
    supervisor.poll()
    clock.now += 1
    supervisor.poll()
    assert intake.running and intake.starts == 3

    intake.running = False
    supervisor.poll()
    clock.now += 1
    supervisor.poll()
    intake.running = False
    with pytest.raises(GaveUp, match="intake crashed 3 times within 60 s"):
        supervisor.poll()


def test_a_child_that_cannot_be_started_counts_as_a_crash_and_is_tried_again() -> None:
    postgres = FakeChild("postgresql", fail_starts=1)
    supervisor, clock, lines = supervised(postgres, backoff_initial_s=1)
    postgres.running = False
    supervisor.poll()
    clock.now = 1
    supervisor.poll()
    assert "could not be started" in lines[-1] and "restarting in 2 s" in lines[-1]
    clock.now = 3
    supervisor.poll()
    assert postgres.running and postgres.starts == 1


def test_recovery_after_a_restart_is_retried_until_it_succeeds() -> None:
    """The in-memory broker lost its topics and events: recovery re-creates and re-publishes them, even when
    PostgreSQL is not reachable at the first attempt."""
    broker = FakeChild("broker")
    outcomes = [ConnectionError("database down"), None]

    def recover() -> None:
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome

    clock, lines = Clock(), []
    supervisor = Supervisor(RestartPolicy(backoff_initial_s=1), log=lines.append, clock=clock)
    supervisor.watch(broker, recover=recover)
    supervisor.poll()
    assert len(outcomes) == 2  # alive: no restart, no recovery

    broker.running = False
    supervisor.poll()
    clock.now = 1
    supervisor.poll()  # restarted; the first recovery fails and is logged
    assert "recovery after the restart failed" in lines[-1] and len(outcomes) == 1
    supervisor.poll()  # tried again
    assert outcomes == []
    supervisor.poll()  # and not again once it succeeded
    assert outcomes == []
