"""searcher: Chinese full-text search over civilized-city reports."""

__version__ = "0.1.0"
