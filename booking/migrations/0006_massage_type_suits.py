"""A massage type says which areas and feelings it suits and the pressures it can be given at.

The questionnaire ranks the catalogue by these fields instead of by slugs it knows. The demo
catalogue's seven types get what the questionnaire said of them before, so a clinic that
already runs keeps its suggestions.
"""

from typing import Any

from django.db import migrations

import booking.fields
import booking.intake

# As the questionnaire described each demo type by slug before this migration; frozen here.
DEMO_TYPES: dict[str, dict[str, list[str]]] = {
    "swedish": {
        "suits_areas": ["upper_back", "whole_back"],
        "suits_feelings": ["stiffness", "stress"],
        "pressures": ["light", "medium"],
    },
    "deep-tissue": {
        "suits_areas": ["lower_back", "upper_back"],
        "suits_feelings": ["knots"],
        "pressures": ["firm", "deep"],
    },
    "trigger-point": {
        "suits_areas": ["lower_back", "upper_back", "neck_shoulders"],
        "suits_feelings": ["knots"],
        "pressures": ["medium", "firm", "deep"],
    },
    "myofascial-release": {
        "suits_areas": ["lower_back", "whole_back"],
        "suits_feelings": ["stiffness"],
        "pressures": ["light", "medium"],
    },
    "sports": {
        "suits_areas": ["lower_back", "whole_back"],
        "suits_feelings": ["sports"],
        "pressures": ["medium", "firm", "deep"],
    },
    "hot-stone": {
        "suits_areas": ["whole_back"],
        "suits_feelings": ["stiffness", "stress"],
        "pressures": ["light", "medium"],
    },
    "back-neck-shoulders": {
        "suits_areas": ["upper_back", "neck_shoulders"],
        "suits_feelings": ["stress"],
        "pressures": ["light", "medium", "firm"],
    },
}


def describe_demo_types(apps: Any, schema_editor: Any) -> None:
    MassageType = apps.get_model("booking", "MassageType")
    for slug, fields in DEMO_TYPES.items():
        MassageType.objects.filter(slug=slug).update(**fields)


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0005_massage_type_name_single_line"),
    ]

    operations = [
        migrations.AddField(
            model_name="massagetype",
            name="suits_areas",
            field=booking.fields.ChoiceListField(
                blank=True,
                choice_class=booking.intake.Area,
                default=list,
                help_text="Where it works best.",
                verbose_name="suits pain in",
            ),
        ),
        migrations.AddField(
            model_name="massagetype",
            name="suits_feelings",
            field=booking.fields.ChoiceListField(
                blank=True,
                choice_class=booking.intake.Feeling,
                default=list,
                help_text="What it is made for.",
                verbose_name="suits pain that feels",
            ),
        ),
        migrations.AddField(
            model_name="massagetype",
            name="pressures",
            field=booking.fields.ChoiceListField(
                blank=True,
                choice_class=booking.intake.Pressure,
                default=booking.intake.every_pressure,
                help_text="The pressures it can be given at. Leave all unticked if it does not depend on pressure.",
                verbose_name="can be given at",
            ),
        ),
        migrations.RunPython(describe_demo_types, migrations.RunPython.noop),
    ]
