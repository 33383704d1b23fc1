"""Quality-owned lookup keys of the golden master, one row per company.

The customers app does not know the duplicate check: the keys live here, keyed by company id,
and ``xinren.customers.services`` keeps them in step with one call to
:func:`xinren.quality.services.index_company` in the same transaction as the company's write
(as it does for its own search index). Deleting a company deletes its row (cascade)."""

from __future__ import annotations

from django.db import models

from xinren.customers.models import Company

from .normalize import KEY_LENGTH


class CompanyKey(models.Model):
    company = models.OneToOneField(
        Company, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    name_key = models.CharField(max_length=KEY_LENGTH, db_index=True)
    pinyin_key = models.CharField(max_length=KEY_LENGTH * 2, db_index=True)
    phone_digits = models.CharField(max_length=24, blank=True, db_index=True)

    class Meta:
        verbose_name = "company lookup keys"

    def __str__(self) -> str:
        return self.name_key
