"""Every appointment gets a room; massage types say which room features they need.

Existing appointments go to rooms of the first location: each active one to the first room
free for its whole blocked span (rooms are added as needed, so nothing is refused or lost),
cancelled ones to the first room.
"""

from __future__ import annotations

from typing import Any

import django.contrib.postgres.constraints
import django.contrib.postgres.fields.ranges
import django.db.models.deletion
from django.db import migrations, models

from locations.historical import first_location

ACTIVE = ("confirmed", "completed", "no_show")


def assign_rooms(apps: Any, schema_editor: Any) -> None:
    Appointment = apps.get_model("booking", "Appointment")
    Room = apps.get_model("locations", "Room")
    if not Appointment.objects.exists():
        return
    location = first_location(apps)
    rooms = list(Room.objects.filter(location=location).order_by("pk"))
    free_from: list[Any] = [None] * len(rooms)

    def room_at(index: int) -> Any:
        while index >= len(rooms):
            rooms.append(Room.objects.create(location=location, name=f"Room {len(rooms) + 1}"))
            free_from.append(None)
        return rooms[index]

    # Interval partitioning by start: the first room free at each start needs the fewest rooms.
    for appointment in Appointment.objects.filter(status__in=ACTIVE).order_by("start", "pk"):
        index = next(
            (i for i, moment in enumerate(free_from) if moment is None or moment <= appointment.start),
            len(free_from),
        )
        appointment.room = room_at(index)
        free_from[index] = appointment.blocked_until
        appointment.save(update_fields=["room"])
    Appointment.objects.exclude(status__in=ACTIVE).update(room=room_at(0))


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0006_massage_type_suits"),
        ("locations", "0001_initial"),
        ("therapists", "0004_working_hours_location"),
    ]

    operations = [
        migrations.AddField(
            model_name="massagetype",
            name="needs_features",
            field=models.ManyToManyField(
                blank=True,
                help_text="Every feature a room needs for this massage (a heated table for hot stone). Most need none.",
                related_name="massage_types",
                to="locations.roomfeature",
                verbose_name="needs a room with",
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="room",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="appointments",
                to="locations.room",
            ),
        ),
        migrations.RunPython(assign_rooms, migrations.RunPython.noop),
    ]
