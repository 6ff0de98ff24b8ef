""" "Download my information" (Australian Privacy Principle 12), being built."""
