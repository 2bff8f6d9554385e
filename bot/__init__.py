"""Wiring: settings, Bolt app factory, Slack gateway, i18n, CLI and console."""
