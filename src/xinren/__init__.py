"""Xinren (信任): customer-relationship system for Chinese enterprise groups."""

__version__ = "0.1.0"
