from django.db import migrations


def load(apps, schema_editor):
    from hebi.challenges.reference import load_reference

    load_reference(apps)


class Migration(migrations.Migration):
    dependencies = [("challenges", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
