"""The access log's pages: the auditors' filter, entry, CSV export and verify pages, and each
person's own "Who has looked at my information", in plain words."""
