"""Data-quality measures: which fields a customer file must have (per subsidiary), how
complete and valid each account's file is, aggregates per rep, department, subsidiary and
group with a daily trend, and quality tasks for the owners of the worst records."""
