"""Medical records (built in a later issue)."""
