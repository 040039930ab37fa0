"""Create the staff roles: "Front desk" (bookings and patients) and "Owner" (everything)."""

from django.db import migrations

FRONT_DESK = "Front desk"
OWNER = "Owner"

# (app label, model, actions): what the front desk does all day, and no more. The
# catalogue, prices and the therapists' schedules are the owner's to change; groups and
# permissions are not the front desk's at all.
FRONT_DESK_PERMISSIONS = [
    ("booking", "appointment", ("view", "add", "change")),
    ("booking", "massagetype", ("view",)),
    ("booking", "notification", ("view", "change")),
    ("clinic", "user", ("view", "add", "change")),
    ("therapists", "therapist", ("view",)),
    ("therapists", "workinghours", ("view",)),
    ("therapists", "timeoff", ("view",)),
]


def create_staff_groups(apps, schema_editor):
    # Permissions are normally created after migrate (post_migrate); create them now so
    # the groups can hold them on a fresh database.
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    front_desk, _ = Group.objects.get_or_create(name=FRONT_DESK)
    codenames = [
        (app_label, f"{action}_{model}") for app_label, model, actions in FRONT_DESK_PERMISSIONS for action in actions
    ]
    front_desk.permissions.set(
        [Permission.objects.get(content_type__app_label=label, codename=codename) for label, codename in codenames]
    )
    owner, _ = Group.objects.get_or_create(name=OWNER)
    owner.permissions.set(Permission.objects.all())


def remove_staff_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[FRONT_DESK, OWNER]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("sessions", "0001_initial"),
        ("booking", "0003_notification"),
        ("therapists", "0002_session_notes"),
    ]

    operations = [migrations.RunPython(create_staff_groups, remove_staff_groups)]
