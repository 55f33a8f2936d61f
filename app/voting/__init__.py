"""Votes, declared interests, and facilitators' control of voting and the agreement rule."""
