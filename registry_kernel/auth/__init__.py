"""Who is acting: accounts, roles and permissions, web sessions and bearer tokens."""
