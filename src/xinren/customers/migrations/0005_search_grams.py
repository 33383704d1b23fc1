from django.db import migrations


def create(apps, schema_editor):
    from xinren.customers.search import backfill_grams, create_gram_storage

    create_gram_storage(schema_editor)
    backfill_grams(schema_editor)


def drop(apps, schema_editor):
    from xinren.customers.search import drop_gram_storage

    drop_gram_storage(schema_editor)


class Migration(migrations.Migration):
    """The gram table for Chinese queries (see search.GRAM_TABLE), filled for existing rows."""

    dependencies = [("customers", "0004_search_without_foreign_key")]
    operations = [migrations.RunPython(create, drop)]
