from django.db import migrations


def backfill(apps, schema_editor):
    """Keys of the companies stored before this app existed."""
    from xinren.standards.names import name_key, name_pinyin
    from xinren.standards.phone import phone_digits

    Company = apps.get_model("customers", "Company")
    CompanyKey = apps.get_model("quality", "CompanyKey")
    last = 0
    while True:
        rows = list(
            Company.objects.filter(pk__gt=last).order_by("pk").values_list("id", "name", "phone")[
                :5000
            ]
        )
        if not rows:
            return
        last = rows[-1][0]
        CompanyKey.objects.bulk_create(
            [
                CompanyKey(
                    company_id=pk,
                    name_key=name_key(name),
                    pinyin_key=name_pinyin(name),
                    phone_digits=phone_digits(phone or "")[:24],
                )
                for pk, name, phone in rows
            ],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [("quality", "0001_company_keys")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
