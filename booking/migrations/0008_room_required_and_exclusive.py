"""Appointments must have a room, and the database refuses two active sessions in one room at once.

Apart from 0007 so its data is committed first: PostgreSQL refuses to alter a table with
pending foreign-key checks in the same transaction.
"""

from __future__ import annotations

import django.contrib.postgres.fields.ranges
import django.db.models.deletion
from django.db import migrations, models

import clinic.constraints

ACTIVE = ("confirmed", "completed", "no_show")


class Migration(migrations.Migration):
    dependencies = [("booking", "0007_rooms")]

    operations = [
        migrations.AlterField(
            model_name="appointment",
            name="room",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="appointments", to="locations.room"
            ),
        ),
        migrations.AddIndex(
            model_name="appointment",
            index=models.Index(fields=["room", "start"], name="booking_app_room_id_1404c8_idx"),
        ),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=clinic.constraints.PostgresExclusionConstraint(
                condition=models.Q(("status__in", ACTIVE)),
                expressions=[
                    (
                        clinic.constraints.TsTzRange(
                            "start", "blocked_until", django.contrib.postgres.fields.ranges.RangeBoundary()
                        ),
                        "&&",
                    ),
                    ("room", "="),
                ],
                name="appointment_no_double_booked_room",
                violation_error_message="The room is already taken at this time.",
            ),
        ),
    ]
