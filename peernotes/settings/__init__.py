"""The service's own settings, changed by its coordinators (every change on the log)."""
