"""Signing in and out: the blueprint is in ``routes``, so that importing the sign-in session
helpers (``login_sessions``) does not import the views."""
