"""Your data: download a copy of what Accord holds about you. The blueprint is in ``routes``."""
