"""People: inviting, changing roles, deactivating, and importing from CSV (admins only)."""
