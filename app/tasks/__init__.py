"""Your tasks: each person's next jobs."""
