"""The SQLite archive (the truth) and the Whoosh index derived from it."""
