"""Drop DRF's authtoken table: its tokens were stored in plain text and never ended.

The API's tokens are knox's now (a digest only, with an expiry). Every old token stops
working with this migration, on purpose: clients sign in again and get a new kind.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0003_notification"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", migrations.RunSQL.noop)]
