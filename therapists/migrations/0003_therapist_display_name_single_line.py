"""A therapist's display name is one line without control characters (it goes into e-mail and .ics)."""

from django.db import migrations, models

import clinic.plain_text


class Migration(migrations.Migration):
    dependencies = [
        ("therapists", "0002_session_notes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="therapist",
            name="display_name",
            field=models.CharField(max_length=100, validators=[clinic.plain_text.validate_single_line]),
        ),
    ]
