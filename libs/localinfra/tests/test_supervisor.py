"""make run's supervisor: a stopped service is restarted with doubling back-off; the others are left alone."""

from __future__ import annotations

import itertools

from patentflow.localinfra.launcher import Supervisor


def test_a_stopped_service_restarts_after_a_doubling_delay_and_the_others_keep_running() -> None:
    restarted: list[tuple[str, float]] = []
    said: list[str] = []
    now = 0.0
    supervisor = Supervisor(
        lambda name: restarted.append((name, now)), first_delay=1, max_delay=4, stable_after=100, say=said.append
    )
    for step in range(40):  # 20 s in half-second ticks; matching keeps crashing right after each restart
        now = step * 0.5
        supervisor.check("inventory", True, now)
        supervisor.check("matching", False, now, "Traceback: boom")
    assert [name for name, _ in restarted] == ["matching"] * len(restarted)
    times = [at for _, at in restarted]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert times[0] == 1.0
    assert gaps[:3] == [2.5, 4.5, 4.5]  # the due time is set on the tick after a restart: delay + one tick
    assert "matching stopped; restarting it in 1 s. Its log ends:\nTraceback: boom" in said
    assert supervisor.restarts == {"matching": len(restarted)}


def test_a_service_that_ran_long_enough_is_forgiven_its_earlier_crashes() -> None:
    clock = {"now": 0.0}
    restarted: list[float] = []
    supervisor = Supervisor(
        lambda name: restarted.append(clock["now"]), first_delay=1, max_delay=60, stable_after=10, say=lambda _: None
    )

    def tick(at: float, alive: bool) -> None:
        clock["now"] = at
        supervisor.check("pledge", alive, at)

    tick(0.0, False)  # stopped: restart due in 1 s
    tick(1.0, False)  # restarted
    tick(1.5, False)  # stopped again: due in 2 s
    tick(3.0, False)
    tick(3.5, False)  # restarted
    assert restarted == [1.0, 3.5]
    for second in range(4, 30):  # then it runs for 26 s, longer than stable_after
        tick(float(second), True)
    tick(30.0, False)  # stopped: forgiven, so 1 s again rather than 4
    tick(31.0, False)
    assert restarted == [1.0, 3.5, 31.0]
