"""Supervision: each peer worker's supervising clinician, the sessions they log (sealed under the
worker's data key), and the supervisor's dashboard."""
