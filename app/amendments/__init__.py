"""Amendments to clauses, and facilitators' direct edits and the clause history."""
