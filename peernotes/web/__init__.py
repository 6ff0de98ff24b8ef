"""What every page shares: the route decorator and its deny-by-default guard, error pages,
security headers, `ConfirmForm`, the navigation built from permissions, and URL converters."""
