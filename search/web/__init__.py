"""The web front end of newsmon (`newsmon serve`): see search/web/app.py."""
