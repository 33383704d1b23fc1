from django.db import migrations


def create(apps, schema_editor):
    from xinren.customers.search import create_storage

    create_storage(schema_editor)


def drop(apps, schema_editor):
    from xinren.customers.search import drop_storage

    drop_storage(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_initial")]
    operations = [migrations.RunPython(create, drop)]
