"""The peer workforce: profiles, preferences, requests for a worker, support agreements,
contacts, supervision sessions and groups.

History stays: a request is decided, never removed; an agreement is replaced by a newer
version, never edited once confirmed; a contact, a supervision session or a group session is
added, never changed. Profiles and preferences are the people's own settings and are the only
rows that change in place (each change is in the access log).
"""

from __future__ import annotations





























