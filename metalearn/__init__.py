"""metalearn: meta-learning recommendations for tabular machine learning."""

from metalearn._version import __version__

__all__ = ["__version__"]
