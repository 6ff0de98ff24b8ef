"""Two-step sign-in (MFA): TOTP enrolment, the code step, recovery codes, and resets."""
