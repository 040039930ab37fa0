"""The staff roles learn the new models: the front desk reads locations and rooms and closes rooms; the owner does all."""

from django.db import migrations

FRONT_DESK = "Front desk"
OWNER = "Owner"

FRONT_DESK_PERMISSIONS = [
    ("locations", "location", ("view",)),
    ("locations", "room", ("view",)),
    ("locations", "roomfeature", ("view",)),
    # A leak or a broken table is found at the desk: closing the room moves its sessions.
    ("locations", "roomclosure", ("view", "add", "delete")),
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
        for app_label, model, actions in FRONT_DESK_PERMISSIONS:
            for action in actions:
                front_desk.permissions.add(
                    Permission.objects.get(content_type__app_label=app_label, codename=f"{action}_{model}")
                )
    owner = Group.objects.filter(name=OWNER).first()
    if owner is not None:
        owner.permissions.add(*Permission.objects.filter(content_type__app_label="locations"))


class Migration(migrations.Migration):
    dependencies = [
        ("locations", "0001_initial"),
        ("clinic", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
