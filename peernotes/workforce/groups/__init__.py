"""Groups: standing groups, their sessions, facilitators and attendance. Attendee names are shown
only to that session's facilitators and to coordinators."""
