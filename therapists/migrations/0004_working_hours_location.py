"""Working hours say where: every existing span moves to the clinic's one location, nothing lost."""

from __future__ import annotations

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

import locations.models
from locations.historical import first_location


def to_first_location(apps: Any, schema_editor: Any) -> None:
    WorkingHours = apps.get_model("therapists", "WorkingHours")
    if WorkingHours.objects.exists():
        WorkingHours.objects.update(location=first_location(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("locations", "0001_initial"),
        ("therapists", "0003_therapist_display_name_single_line"),
    ]

    operations = [
        migrations.AddField(
            model_name="workinghours",
            name="location",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="working_hours",
                to="locations.location",
            ),
        ),
        migrations.RunPython(to_first_location, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="workinghours",
            name="location",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="working_hours",
                to="locations.location",
            ),
        ),
        # A Python-side default only (no SQL): new spans of a one-address clinic need no choice.
        migrations.AlterField(
            model_name="workinghours",
            name="location",
            field=models.ForeignKey(
                default=locations.models.default_location_id,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="working_hours",
                to="locations.location",
            ),
        ),
    ]
