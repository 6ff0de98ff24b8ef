"""The auditors' insight dashboard: the access log in aggregate (per day, emergency access,
who reads each person's information) and flagged patterns, each linked to its entries."""
