-- An account can be disabled (it cannot sign in, its tokens stop working), and every
-- token carries the account's token version: a password reset, a role or unit change,
-- disabling or signing out bumps it, and every older token stops working at once.
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;
