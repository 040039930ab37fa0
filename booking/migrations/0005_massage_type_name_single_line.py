"""A massage type's name is one line without control characters (it goes into subjects and .ics)."""

from django.db import migrations, models

import clinic.plain_text


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0004_drop_plaintext_api_tokens"),
    ]

    operations = [
        migrations.AlterField(
            model_name="massagetype",
            name="name",
            field=models.CharField(max_length=100, unique=True, validators=[clinic.plain_text.validate_single_line]),
        ),
    ]
