"""Help for someone in crisis: the service's crisis lines, public, linked from every page."""
