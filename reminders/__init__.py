"""Schedules: the calendar, APScheduler wiring and the jobs it runs."""
