"""Scheduled work: the calendar, triggers, one module per job kind (`jobs/`) and the firing machinery (`firing`)."""
