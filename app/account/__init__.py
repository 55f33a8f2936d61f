"""Your account: a person's own details, password, signed-in sessions and settings."""
