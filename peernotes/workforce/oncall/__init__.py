"""Carer peer workers on call: weekly times a coordinator sets, and who is on call now."""
