"""Queries, results and the newsmon command line."""
