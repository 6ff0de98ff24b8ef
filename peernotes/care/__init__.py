"""Teams, care assignments and carer nominations (who is connected to whom, and since when), and
a consumer's own pages for their carers and for who can see their information."""
