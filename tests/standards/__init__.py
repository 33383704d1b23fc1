"""Tests of xinren.standards: code tables and national number formats."""
