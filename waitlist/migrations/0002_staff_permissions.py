"""The staff roles learn the waitlist: the front desk reads entries and offers and offers a slot by hand; the owner all.

Offering by hand is the entry's change permission (the admin's entry pages are read-only
otherwise); nobody adds, edits or deletes an entry or an offer in the admin.
"""

from django.db import migrations

FRONT_DESK = "Front desk"
OWNER = "Owner"

FRONT_DESK_PERMISSIONS = [
    ("waitlist", "view_waitlistentry"),
    ("waitlist", "change_waitlistentry"),
    ("waitlist", "view_offer"),
]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    front_desk = Group.objects.filter(name=FRONT_DESK).first()
    if front_desk is not None:
        for app_label, codename in FRONT_DESK_PERMISSIONS:
            front_desk.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    owner = Group.objects.filter(name=OWNER).first()
    if owner is not None:
        owner.permissions.add(*Permission.objects.filter(content_type__app_label="waitlist"))


class Migration(migrations.Migration):
    dependencies = [
        ("waitlist", "0001_waitlist"),
        ("clinic", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
