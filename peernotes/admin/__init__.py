"""Coordinator pages for accounts, teams and care assignments. Nothing here loads note or record
content."""
