"""Plain data that Accord ships as its seed content."""
