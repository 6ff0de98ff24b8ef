"""Encrypted online backups of the database, and checked restores into an empty one."""
