"""A clock the demo and the console can move: the whole process sees the moved time (time-machine),
and every job due on the way fires once, in order, through `reminders.firing.fire` as the scheduler would."""

from __future__ import annotations

import datetime as dt
from typing import Callable

import time_machine

from bot.bootstrap import Services
from reminders.jobs.base import FiringResult, JobSpec


class Clock:
    """Moves `datetime.now()` (and `time.time()`) for this process; `stop` gives the real time back."""

    def __init__(self, services: Services, *, tick: bool = True):
        self.services = services
        self.tick = tick
        self._travel: time_machine.travel | None = None

    @staticmethod
    def now() -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc)

    def set(self, moment: dt.datetime) -> None:
        """Jump to `moment` without running anything."""
        self.stop()
        self._travel = time_machine.travel(moment, tick=self.tick)
        self._travel.start()

    def advance(
        self,
        target: dt.datetime,
        before_each: Callable[[dt.datetime, JobSpec], None] | None = None,
        after_each: Callable[[FiringResult], None] | None = None,
    ) -> int:
        """Go forward to `target`, firing every job due after now up to `target`; how many firings ran."""
        from reminders.firing import fire, job_specs
        from reminders.triggers import fire_times

        after = self.now() + dt.timedelta(microseconds=1)
        due = sorted(
            ((moment, spec.id, spec) for spec in job_specs(self.services) for moment in fire_times(spec.trigger, after, target)),
            key=lambda d: (d[0], d[1]),
        )
        for moment, job_id, spec in due:
            self.set(moment)
            if before_each is not None:
                before_each(moment, spec)
            result = fire(self.services, job_id, moment, now=moment)
            if after_each is not None:
                after_each(result)
        self.set(target)
        return len(due)

    def stop(self) -> None:
        if self._travel is not None:
            self._travel.stop()
            self._travel = None
