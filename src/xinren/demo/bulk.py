"""The lean bulk writer now lives in :mod:`xinren.core.bulk` (the customer import uses it
too); demo generation keeps importing it from here."""

from xinren.core.bulk import COPY_ON_POSTGRESQL, Table, reserve_ids  # noqa: F401
