"""A starter library of home-care items in the clinic's words; the clinic reviews and edits them in admin."""

from __future__ import annotations

from datetime import date

from django.db import migrations

REVIEWED = date(2026, 11, 24)  # reviewed with the guidance (website/guidance.py LAST_REVIEWED)

ITEMS = [
    {
        "title": "Knee-to-chest stretch",
        "summary": "Eases a stiff lower back, lying down.",
        "steps": "Lie on your back on a mat or a firm bed, knees bent, feet flat.\n"
        "Bring one knee towards your chest with both hands behind the thigh.\n"
        "Hold for 20 to 30 seconds while you breathe slowly, then lower the leg.\n"
        "Do the other side. Stop if the pain gets sharper or spreads.",
        "how_often": "Three times each side, once or twice a day",
        "not_for": "Anyone who has had hip or back surgery in the last months, or a hip replacement, "
        "until their surgeon agrees. Stop and ask your doctor if it brings on pain down the leg.",
        "display_order": 1,
    },
    {
        "title": "Self-massage with a ball against a wall",
        "summary": "Works on a tight spot between sessions.",
        "steps": "Stand with your back to a wall and a tennis ball between the wall and the tight spot, "
        "beside the spine, never on it.\n"
        "Lean into the ball and bend your knees a little to roll it up and down slowly.\n"
        "Rest on a tender spot for a few slow breaths: firm is fine, sharp is not.\n"
        "Move on after a minute or two.",
        "how_often": "2 to 5 minutes, once a day",
        "not_for": "Anyone with osteoporosis, a blood clotting problem or on blood thinners, broken or "
        "inflamed skin over the area, or a recent injury to the back.",
        "display_order": 2,
    },
    {
        "title": "Slow breathing to let the back relax",
        "summary": "Lowers the tension that tightens back muscles.",
        "steps": "Lie or sit comfortably with one hand on your belly.\n"
        "Breathe in through your nose for a count of four, letting the belly rise.\n"
        "Breathe out slowly for a count of six, letting the shoulders and back soften.\n"
        "Carry on for five minutes.",
        "how_often": "5 minutes, once or twice a day, and before sleep",
        "not_for": "Anyone it makes dizzy or breathless: breathe normally and stop. Ask your doctor "
        "first if you have a heart or lung condition.",
        "display_order": 3,
    },
    {
        "title": "Cat and cow on hands and knees",
        "summary": "A gentle moving stretch, as in yoga.",
        "steps": "Kneel on all fours, hands under shoulders, knees under hips.\n"
        "Breathing out, round your back up towards the ceiling and let your head drop.\n"
        "Breathing in, let your belly sink and lift your head a little.\n"
        "Move slowly, only as far as is comfortable.",
        "how_often": "10 slow rounds, once a day",
        "not_for": "Anyone with painful knees or wrists (ask your therapist for another stretch), or in "
        "later pregnancy without their midwife's or doctor's agreement.",
        "display_order": 4,
    },
]


def add_items(apps, schema_editor):  # type: ignore[no-untyped-def]
    HomeCareItem = apps.get_model("courses", "HomeCareItem")
    for item in ITEMS:
        HomeCareItem.objects.get_or_create(title=item["title"], defaults={**item, "reviewed_on": REVIEWED})


class Migration(migrations.Migration):
    dependencies = [("courses", "0001_initial")]

    operations = [migrations.RunPython(add_items, migrations.RunPython.noop)]
