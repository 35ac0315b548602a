from django.db import migrations


def load(apps, schema_editor):
    from hebi.contracts.reference import load_reference

    load_reference(apps)


class Migration(migrations.Migration):
    dependencies = [("contracts", "0002_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
