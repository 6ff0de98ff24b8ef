"""Skills and resources kept together: the skills a person practises (for example DBT skills) and
the resources they use (services, groups, reading), kept with their peer worker, with notes on
what worked; sealed, versioned, retired rather than deleted, and shared only by consent."""
