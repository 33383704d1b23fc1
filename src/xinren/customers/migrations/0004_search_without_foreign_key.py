from django.db import migrations


def drop_fk(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        cur.execute(
            "ALTER TABLE customers_company_search "
            "DROP CONSTRAINT IF EXISTS customers_company_search_company_id_fkey"
        )


class Migration(migrations.Migration):
    """The search table must not reference customers_company (see search.PG_DDL)."""

    dependencies = [("customers", "0003_search_storage")]
    operations = [migrations.RunPython(drop_fk, migrations.RunPython.noop)]
