"""Who is signed in: roles and permissions, accounts, argon2id passwords, server-side sessions,
sign-in throttling, and the sign-in and password pages."""
