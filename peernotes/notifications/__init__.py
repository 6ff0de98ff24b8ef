"""Notifications: an in-app list for each person, and email through SMTP when they ask for it.

`service.notify` is called where something happens for someone (a note to review, a concern,
emergency access to their record, …), in the same transaction as the action. Emails say only
that something is waiting and link to it (`mail.py`); they are sent after the commit.
"""
