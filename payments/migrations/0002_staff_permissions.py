"""The staff roles learn the ledger: the front desk reads it, takes payments, refunds, decides fees; the owner all.

Nobody edits a ledger row by hand (the admin is read-only); the custom permissions open the
services' doors: a desk payment, a refund, approving or waiving a fee. The payment policy is
the owner's to change; the front desk reads it to tell callers.
"""

from django.db import migrations

FRONT_DESK = "Front desk"
OWNER = "Owner"

FRONT_DESK_PERMISSIONS = [
    ("payments", "view_charge"),
    ("payments", "view_refund"),
    ("payments", "view_terms"),
    ("payments", "view_policy"),
    ("payments", "take_desk_payment"),
    ("payments", "refund_charge"),
    ("payments", "decide_fee"),
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
        owner.permissions.add(*Permission.objects.filter(content_type__app_label="payments"))


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0001_initial"),
        ("clinic", "0002_staff_groups"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="charge",
            options={
                "ordering": ["-created_at", "-pk"],
                "permissions": [
                    ("take_desk_payment", "Can take a payment at the desk"),
                    ("refund_charge", "Can refund a paid charge"),
                    ("decide_fee", "Can approve or waive a fee"),
                ],
            },
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
