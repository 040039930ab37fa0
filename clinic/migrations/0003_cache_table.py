"""The database cache's table: throttle and sign-in counters shared by every process by default."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # Creates the table of every database cache in CACHES (none when the cache is Redis);
    # an existing table is left as it is.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("clinic", "0002_staff_groups")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
