"""Discovery, fetching and cleaning of news articles."""

__version__ = "0.1.0"
