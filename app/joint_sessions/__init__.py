"""Themed joint sessions: agendas built together, attendance, outcomes and actions."""
