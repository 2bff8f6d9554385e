"""Scheduled work wired to the services: each job opens its own session and posts through the gateway."""

from __future__ import annotations

import logging

from sqlmodel import select

from bot.bootstrap import Services
from reminders.aging import AgingNotice, check_waiting_issues
from reminders.calendar import calendar_for
from storage.models import Project, utcnow
from storage.projectfile import parse_cron

logger = logging.getLogger(__name__)

AGING_CRON = "0 9 * * mon-fri"  # each business morning; closed days are skipped by the job itself


def run_aging(services: Services, project_slug: str) -> list[AgingNotice]:
    """Remind departments of issues waiting on them, and the leads of long waits (job `aging:<project>`)."""
    spec = services.project_file.project(project_slug)

    def post(key: str, channel: str, text: str) -> bool:
        return services.gateway.post_message(key=key, channel=channel, text=text).status != "failed"

    with services.session() as session:
        project = session.exec(select(Project).where(Project.slug == project_slug)).one()
        notices = check_waiting_issues(session, project=project, escalation=spec.escalation,
                                       calendar=calendar_for(services.project_file), now=utcnow(),
                                       timezone=services.project_file.timezone, post=post, t=services.translator())
    logger.info("aging:%s sent %d reminder(s)", project_slug, len(notices))
    return notices


def add_jobs(scheduler, services: Services) -> None:
    """The jobs derived from renkei.yml, with explicit ids."""
    for spec in services.project_file.projects:
        scheduler.add_job(run_aging, parse_cron(AGING_CRON, services.project_file.timezone), args=[services, spec.slug],
                          id=f"aging:{spec.slug}", replace_existing=True)
