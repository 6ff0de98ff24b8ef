"""Personal access tokens, as a person manages them in the web pages: make one (shown once),
see which apps hold one and when each was last used, revoke one."""
