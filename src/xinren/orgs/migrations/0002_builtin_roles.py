from django.db import migrations


def create_roles(apps, schema_editor):
    from xinren.orgs.access import BUILTIN_ROLES

    Role = apps.get_model("orgs", "Role")
    for code, name, name_en, scope, actions in BUILTIN_ROLES:
        Role.objects.update_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "scope": str(scope), "actions": list(actions),
                      "builtin": True},
        )


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
