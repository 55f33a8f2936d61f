"""Notifications: the list, marking read, email preferences and unsubscribing."""
