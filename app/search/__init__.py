"""Search: one box in the header, one results page over everything a person may read."""
