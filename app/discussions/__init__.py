"""Discussions on clauses and documents: comments, replies, moderation, live updates."""
