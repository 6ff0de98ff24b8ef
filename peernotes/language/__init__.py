"""The service's own recovery-oriented language terms, on top of the packaged list, and the one
check that notes, record entries and risk concerns all call."""
