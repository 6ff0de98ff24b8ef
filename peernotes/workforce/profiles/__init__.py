"""Peer workers' own profiles, each field shown only when they choose, and the "I need a
break" pause on new matches."""
