"""Load the demo clinic: two locations and their rooms, the catalogue, therapists, patients and bookings."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from booking import rooms, services
from booking.exceptions import BookingError
from booking.intake import Area, Feeling, IntakeData, Pressure
from booking.models import Appointment, MassageType, Status
from clinic.models import User
from locations.models import Location, Room, RoomFeature, default_location
from payments import policy
from therapists.models import Therapist, TimeOff, WorkingHours
from website import demo_course, demo_ledger, demo_waitlist

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - a published demo login, refused with DEBUG off
ADMIN_EMAIL = "admin@clinic.test"
THERAPIST_EMAIL = "therapist@clinic.test"
PATIENT_EMAIL = "patient@clinic.test"
FRONT_DESK_EMAIL = "frontdesk@clinic.test"

# A fixed seed: the same day always yields the same bookings, so a second run finds them all.
RANDOM_SEED = 2026
UPCOMING_DAYS = 14
PAST_DAYS = 7
GRID = timedelta(minutes=15)
# The demo patient holds this many upcoming sessions, so they can book more at once.
DEMO_PATIENT_UPCOMING = 2

# What rooms have that some massages need, by slug.
ROOM_FEATURES = {"heated-table": "Heated table", "double-room": "Double room", "accessible": "Accessible"}
DOWNTOWN, UPTOWN = "Downtown", "Uptown"
# Both in Boston, so in the clinic's zone. Downtown is at the clinic's own address (settings).
LOCATIONS: list[dict[str, Any]] = [
    {
        "name": DOWNTOWN,
        "address": None,  # the clinic's address
        "display_order": 10,
        "rooms": {"Room 1": ["heated-table"], "Room 2": [], "Room 3": ["accessible"]},
    },
    {
        "name": UPTOWN,
        "address": "350 Newbury Street, Boston, MA 02115",
        "phone": "+16175550188",
        "display_order": 20,
        "rooms": {"Room A": ["double-room"], "Room B": ["heated-table"]},
    },
]
# Massages that need a room with these features.
NEEDS_FEATURES = {"hot-stone": ["heated-table"]}

MASSAGE_TYPES: list[dict[str, Any]] = [
    {
        "slug": "swedish",
        "name": "Swedish massage",
        "description": (
            "Long, flowing strokes with light to medium pressure over the whole back. It warms the muscles, "
            "eases guarding around a sore back and is the gentlest place to start."
        ),
        "good_for": "general back tension, stress, stiffness, first massage",
        "suits_areas": [Area.UPPER_BACK, Area.WHOLE_BACK],
        "suits_feelings": [Feeling.STIFFNESS, Feeling.STRESS],
        "pressures": [Pressure.LIGHT, Pressure.MEDIUM],
        "duration_minutes": 60,
        "price": Decimal("85.00"),
        "buffer_minutes": 15,
        "display_order": 10,
    },
    {
        "slug": "deep-tissue",
        "name": "Deep tissue massage",
        "description": (
            "Slow, firm pressure into the deeper layers of the back muscles. The therapist works along the "
            "spine, the lower back and the hips to release long-held tightness."
        ),
        "good_for": "chronic low back pain, stiffness, postural strain, desk work",
        "suits_areas": [Area.LOWER_BACK, Area.UPPER_BACK],
        "suits_feelings": [Feeling.KNOTS],
        "pressures": [Pressure.FIRM, Pressure.DEEP],
        "duration_minutes": 60,
        "price": Decimal("100.00"),
        "buffer_minutes": 15,
        "display_order": 20,
    },
    {
        "slug": "trigger-point",
        "name": "Trigger point therapy",
        "description": (
            "Sustained pressure on tight knots that refer pain elsewhere, such as the quadratus lumborum "
            "and gluteal muscles behind much low back and hip pain."
        ),
        "good_for": "chronic low back pain, knots, referred pain into the hip, one-sided pain",
        "suits_areas": [Area.LOWER_BACK, Area.UPPER_BACK, Area.NECK_SHOULDERS],
        "suits_feelings": [Feeling.KNOTS],
        "pressures": [Pressure.MEDIUM, Pressure.FIRM, Pressure.DEEP],
        "duration_minutes": 45,
        "price": Decimal("80.00"),
        "buffer_minutes": 15,
        "display_order": 30,
    },
    {
        "slug": "myofascial-release",
        "name": "Myofascial release",
        "description": (
            "Gentle, sustained stretching of the connective tissue around the muscles of the back, "
            "without oil, to restore glide and ease restricted movement."
        ),
        "good_for": "stiffness, restricted movement, chronic low back pain, recovery after long sitting",
        "suits_areas": [Area.LOWER_BACK, Area.WHOLE_BACK],
        "suits_feelings": [Feeling.STIFFNESS],
        "pressures": [Pressure.LIGHT, Pressure.MEDIUM],
        "duration_minutes": 60,
        "price": Decimal("95.00"),
        "buffer_minutes": 15,
        "display_order": 40,
    },
    {
        "slug": "sports",
        "name": "Sports massage",
        "description": (
            "A brisk mix of deep strokes, stretching and mobilisation aimed at the muscles an activity "
            "loads: the lower back, hamstrings and hips of runners, lifters and golfers."
        ),
        "good_for": "back pain after training, tight hamstrings, recovery, stiffness",
        "suits_areas": [Area.LOWER_BACK, Area.WHOLE_BACK],
        "suits_feelings": [Feeling.SPORTS],
        "pressures": [Pressure.MEDIUM, Pressure.FIRM, Pressure.DEEP],
        "duration_minutes": 45,
        "price": Decimal("85.00"),
        "buffer_minutes": 15,
        "display_order": 50,
    },
    {
        "slug": "hot-stone",
        "name": "Hot stone massage",
        "description": (
            "Smooth heated basalt stones placed along the spine and used to massage the back. The heat "
            "softens the muscles so the therapist can work deeper with less pressure."
        ),
        "good_for": "muscle tension, stiffness, stress, aching back in cold weather",
        "suits_areas": [Area.WHOLE_BACK],
        "suits_feelings": [Feeling.STIFFNESS, Feeling.STRESS],
        "pressures": [Pressure.LIGHT, Pressure.MEDIUM],
        "duration_minutes": 90,
        "price": Decimal("130.00"),
        "buffer_minutes": 30,
        "display_order": 60,
    },
    {
        "slug": "back-neck-shoulders",
        "name": "Back, neck and shoulders",
        "description": (
            "A focused half hour on the upper and lower back, neck and shoulders: a short session for "
            "a lunch break or between longer treatments."
        ),
        "good_for": "upper back tension, neck stiffness, desk work",
        "suits_areas": [Area.UPPER_BACK, Area.NECK_SHOULDERS],
        "suits_feelings": [Feeling.STRESS],
        "pressures": [Pressure.LIGHT, Pressure.MEDIUM, Pressure.FIRM],
        "duration_minutes": 30,
        "price": Decimal("55.00"),
        "buffer_minutes": 10,
        "display_order": 70,
    },
]

# Each therapist's week: {weekday: [(start, end), ...]}; a lunch break is two spans. The days
# named in "uptown" are worked at Uptown, the others Downtown.
MON_FRI = range(0, 5)


def _hours(days: range | list[int], *spans: tuple[int, int, int, int]) -> dict[int, list[tuple[time, time]]]:
    return {day: [(time(h1, m1), time(h2, m2)) for h1, m1, h2, m2 in spans] for day in days}


THERAPISTS: list[dict[str, Any]] = [
    {
        "email": THERAPIST_EMAIL,
        "first_name": "Maya",
        "last_name": "Okafor",
        "display_name": "Maya Okafor",
        "bio": "Licensed massage therapist for twelve years, focused on chronic low back pain and desk-work strain.",
        "types": ["deep-tissue", "trigger-point", "myofascial-release", "swedish"],
        "hours": _hours(MON_FRI, (9, 0, 12, 30), (13, 30, 17, 0)),
        "time_off": False,
    },
    {
        "email": "liam.novak@clinic.test",
        "first_name": "Liam",
        "last_name": "Novak",
        "display_name": "Liam Novak",
        "bio": "Sports massage therapist who works with runners, climbers and weekend golfers.",
        "types": ["sports", "deep-tissue", "trigger-point", "back-neck-shoulders"],
        "hours": _hours(range(1, 6), (10, 0, 18, 0)),  # Tuesday to Saturday
        "uptown": [1, 3],  # Tuesdays and Thursdays uptown, the rest downtown
        "time_off": False,
    },
    {
        "email": "sofia.reyes@clinic.test",
        "first_name": "Sofia",
        "last_name": "Reyes",
        "display_name": "Sofia Reyes",
        "bio": "Gentle, unhurried sessions; hot stone and myofascial work for stiff, anxious backs.",
        "types": ["swedish", "hot-stone", "myofascial-release", "back-neck-shoulders"],
        "hours": {
            **_hours([0, 2, 4], (8, 0, 12, 0), (13, 0, 16, 0)),
            **_hours([5], (9, 0, 13, 0)),
        },
        "uptown": [5],  # Saturday mornings uptown
        "time_off": False,
    },
    {
        "email": "daniel.brooks@clinic.test",
        "first_name": "Daniel",
        "last_name": "Brooks",
        "display_name": "Daniel Brooks",
        "bio": "Evening sessions for people who work days; deep tissue and sports recovery.",
        "types": ["swedish", "deep-tissue", "sports", "hot-stone"],
        "hours": _hours(range(0, 4), (12, 0, 20, 0)),  # Monday to Thursday, afternoons and evenings
        "uptown": [0, 1, 2, 3],
        "time_off": True,
    },
]

PATIENTS: list[dict[str, str]] = [
    {"email": PATIENT_EMAIL, "first_name": "Jordan", "last_name": "Miles", "phone": "+16175550123"},
    {"email": "emma.hart@clinic.test", "first_name": "Emma", "last_name": "Hart", "phone": "+16175550131"},
    {"email": "noah.kim@clinic.test", "first_name": "Noah", "last_name": "Kim", "phone": "+16175550132"},
    {"email": "olivia.grant@clinic.test", "first_name": "Olivia", "last_name": "Grant", "phone": "+16175550133"},
    {"email": "ravi.shah@clinic.test", "first_name": "Ravi", "last_name": "Shah", "phone": "+16175550134"},
]

FOCUS_AREAS = ["lower back", "lower back and hips", "upper back and shoulders", "whole back", "neck and upper back"]


@dataclass(frozen=True)
class PlannedAppointment:
    therapist: Therapist
    massage_type: MassageType
    start: datetime
    status: str
    location_id: int

    @property
    def end(self) -> datetime:
        return self.massage_type.span(self.start)[0]

    @property
    def blocked_until(self) -> datetime:
        return self.massage_type.span(self.start)[1]


class Command(BaseCommand):
    help = (
        "Load demo data (locations, rooms, catalogue, therapists, patients, bookings). "
        "Idempotent; refused with DEBUG off."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates logins with a published password and runs only with DEBUG on; "
                "refusing to touch this database (DEBUG is off)."
            )
        self._password_hash: str | None = None
        with transaction.atomic():
            locations = self.seed_locations()
            types = self.seed_massage_types()
            self.seed_admin()
            desk = self.seed_front_desk()
            therapists = self.seed_therapists(types, locations)
            patients = self.seed_patients()
            created, kept = self.seed_appointments(therapists, patients)
            ledger = demo_ledger.seed_ledger(desk=desk)
            course = self.seed_course(therapists)
            waiting = demo_waitlist.seed_waitlist(patients=patients)
        self.print_summary(created, kept)
        self.print_ledger(ledger)
        self.stdout.write(
            f"The demo patient's course of care: {course.booked} sessions, {course.held} held, "
            f"at /courses/{course.course.pk if course.course else ''}/"
        )
        self.stdout.write(
            f"Waitlist: {waiting.waiting} entries waiting ({waiting.joined} new); cancel an upcoming session "
            "and the first of them free then gets an offer by e-mail (the worker, or the beat's sweep within a minute)."
        )

    def seed_course(self, therapists: list[Therapist]) -> demo_course.DemoCourse:
        """Give the demo patient a weekly course with Maya: two sessions held (measures, a home plan), four to come."""
        maya = next(therapist for therapist in therapists if therapist.user.email == THERAPIST_EMAIL)
        return demo_course.seed_course(
            patient=User.objects.get(email=PATIENT_EMAIL),
            therapist=maya,
            massage_type=maya.massage_types.active().order_by("display_order", "name")[0],
            clinic=User.objects.get(email=ADMIN_EMAIL),
        )

    def password_hash(self) -> str:
        """Return one hash of the demo password, computed once: hashing is deliberately slow."""
        if self._password_hash is None:
            self._password_hash = make_password(DEMO_PASSWORD)
        return self._password_hash

    def seed_user(self, email: str, **fields: Any) -> User:
        """Create or update a demo login; a new one gets the demo password."""
        user, created = User.objects.update_or_create(email=email, defaults=fields)
        if created:
            user.password = self.password_hash()
            # Demo addresses count as confirmed: the demo patient books more than one session.
            user.email_confirmed_at = timezone.now()
            user.save(update_fields=["password", "email_confirmed_at"])
        return user

    def seed_locations(self) -> dict[str, Location]:
        """Create or update Downtown and Uptown and their rooms, keyed by name.

        Downtown is the clinic's first location (the one a database made before locations
        already has), renamed: its working hours and sessions stay where they are.
        """
        features = {
            slug: RoomFeature.objects.update_or_create(slug=slug, defaults={"name": name})[0]
            for slug, name in ROOM_FEATURES.items()
        }
        locations = {}
        for spec in LOCATIONS:
            fields = {
                "address": spec["address"] or str(settings.CLINIC_ADDRESS),
                "phone": spec.get("phone", str(settings.CLINIC_PHONE)),
                "time_zone": str(settings.TIME_ZONE),
                "display_order": spec["display_order"],
                "is_active": True,
            }
            location = Location.objects.filter(name=spec["name"]).first()
            if location is None and spec["name"] == DOWNTOWN:
                location = default_location()
            if location is None:
                location = Location.objects.create(name=spec["name"], **fields)
            else:
                Location.objects.filter(pk=location.pk).update(name=spec["name"], **fields)
                location.refresh_from_db()
            for room_name, slugs in spec["rooms"].items():
                room, _ = Room.objects.update_or_create(location=location, name=room_name, defaults={"is_active": True})
                room.features.set([features[slug] for slug in slugs])
            locations[spec["name"]] = location
        return locations

    def seed_massage_types(self) -> dict[str, MassageType]:
        """Create or update the catalogue, keyed by slug, with the room features each needs."""
        types = {}
        for spec in MASSAGE_TYPES:
            fields = {key: value for key, value in spec.items() if key != "slug"}
            types[spec["slug"]], _ = MassageType.objects.update_or_create(
                slug=spec["slug"], defaults={**fields, "is_active": True}
            )
            needs = NEEDS_FEATURES.get(spec["slug"], [])
            types[spec["slug"]].needs_features.set(RoomFeature.objects.filter(slug__in=needs))
        return types

    def seed_admin(self) -> User:
        """Create or update the clinic owner's login."""
        return self.seed_user(
            ADMIN_EMAIL, first_name="Clinic", last_name="Admin", is_staff=True, is_superuser=True, is_active=True
        )

    def seed_front_desk(self) -> User:
        """Create or update a front-desk login in the "Front desk" group (made by a migration)."""
        user = self.seed_user(FRONT_DESK_EMAIL, first_name="Sam", last_name="Reyes", is_staff=True, is_active=True)
        user.groups.add(Group.objects.get(name="Front desk"))
        return user

    def seed_therapists(self, types: dict[str, MassageType], locations: dict[str, Location]) -> list[Therapist]:
        """Create or update the therapists, their weekly hours at each location and one week of time off."""
        therapists = []
        for spec in THERAPISTS:
            user = self.seed_user(
                spec["email"], first_name=spec["first_name"], last_name=spec["last_name"], is_active=True
            )
            therapist, _ = Therapist.objects.update_or_create(
                user=user, defaults={"display_name": spec["display_name"], "bio": spec["bio"], "is_active": True}
            )
            therapist.massage_types.set([types[slug] for slug in spec["types"]])
            uptown_days = set(spec.get("uptown", []))
            where = {day: locations[UPTOWN if day in uptown_days else DOWNTOWN] for day in spec["hours"]}
            self.seed_hours(therapist, spec["hours"], where)
            if spec["time_off"]:
                self.seed_time_off(therapist)
            therapists.append(therapist)
        return therapists

    def seed_hours(
        self, therapist: Therapist, hours: dict[int, list[tuple[time, time]]], where: dict[int, Location]
    ) -> None:
        """Make the therapist's weekly spans exactly the given ones, each day at its location."""
        wanted = {(day, start, end, where[day].pk) for day, spans in hours.items() for start, end in spans}
        existing = {
            (span.weekday, span.start, span.end, span.location_id): span for span in therapist.working_hours.all()
        }
        # Remove stale spans first, so an edited week never trips the no-overlap constraint.
        for key, span in existing.items():
            if key not in wanted:
                span.delete()
        for day, start, end, location_id in sorted(wanted - existing.keys()):
            WorkingHours.objects.create(therapist=therapist, weekday=day, start=start, end=end, location_id=location_id)

    def seed_time_off(self, therapist: Therapist) -> None:
        """Give the therapist next week's Tuesday and Wednesday off."""
        today = timezone.localdate()
        next_tuesday = today + timedelta(days=7 - today.weekday() + 1)
        zone = timezone.get_default_timezone()
        start = datetime.combine(next_tuesday, time(0), tzinfo=zone)
        end = datetime.combine(next_tuesday + timedelta(days=2), time(0), tzinfo=zone)
        TimeOff.objects.update_or_create(
            therapist=therapist, start=start, defaults={"end": end, "reason": "Continuing education course"}
        )

    def seed_patients(self) -> list[User]:
        """Create or update the demo patients."""
        return [self.seed_user(spec["email"], **{k: v for k, v in spec.items() if k != "email"}) for spec in PATIENTS]

    def seed_appointments(self, therapists: list[Therapist], patients: list[User]) -> tuple[int, int]:
        """Create the planned appointments that are missing; return (created, already there).

        Upcoming sessions are booked through the booking service, as the front desk books by
        phone: with their confirmation, the therapist's notice and their reminders in the
        outbox. Last week's are history, written as such (no notice is owed for them).
        """
        created = kept = 0
        now = timezone.now()
        clinic = User.objects.get(email=ADMIN_EMAIL)
        plan = plan_appointments(therapists, timezone.localdate(), random.Random(RANDOM_SEED))
        for index, planned in enumerate(plan):
            if Appointment.objects.filter(therapist=planned.therapist, start=planned.start).exists():
                kept += 1
                continue
            patient = self.patient_for(index, planned, patients, now=now)
            if planned.start <= now:
                created += self.record_past(planned, patient, index)
                continue
            try:
                services.book(
                    patient=patient,
                    therapist=planned.therapist,
                    massage_type=planned.massage_type,
                    start=planned.start,
                    intake=IntakeData(**demo_intake(index)),
                    by=clinic,
                    now=now,
                )
            except BookingError:  # someone booked this time through the site since the last seed
                continue
            created += 1
        return created, kept

    def patient_for(self, index: int, planned: PlannedAppointment, patients: list[User], *, now: datetime) -> User:
        """Return the patient of a planned session: round the list, but leave the demo patient room to book."""
        for offset in range(len(patients)):
            patient = patients[(index + offset) % len(patients)]
            if patient.email != PATIENT_EMAIL or planned.start <= now:
                return patient
            held = Appointment.objects.for_patient(patient).filter(status=Status.CONFIRMED, start__gte=now).count()
            if held < DEMO_PATIENT_UPCOMING:
                return patient
        return patients[index % len(patients)]

    def record_past(self, planned: PlannedAppointment, patient: User, index: int) -> bool:
        """Write a session of last week as history (the services refuse to book in the past)."""
        end, blocked_until = planned.massage_type.span(planned.start)
        taken = Appointment.objects.active().for_therapist(planned.therapist).overlapping(planned.start, blocked_until)
        if taken.exists():
            return False
        # The room the booking service would have given it then: the same rule, read-only.
        room = rooms.choose_room(
            massage_type=planned.massage_type,
            location_id=planned.location_id,
            start=planned.start,
            blocked_until=blocked_until,
        )
        if room is None:
            return False
        Appointment.objects.create(
            patient=patient,
            therapist=planned.therapist,
            massage_type=planned.massage_type,
            room=room,
            start=planned.start,
            end=end,
            blocked_until=blocked_until,
            status=planned.status,
            price=planned.massage_type.price,
            **demo_intake(index),
        )
        return True

    def print_ledger(self, ledger: demo_ledger.DemoLedger) -> None:
        """Say what the demo's ledger holds, and what it cannot hold with online payments off."""
        if ledger.day is None:
            return
        self.stdout.write(
            f"Ledger: {ledger.payments} desk payment(s) and {ledger.refunds} refund(s) on {ledger.day}"
            + ("." if policy.online_payments_on() else "; no deposits or no-show fees (online payments are off).")
        )

    def print_summary(self, created: int, kept: int) -> None:
        """Print what the demo holds and how to sign in."""
        today = timezone.localdate()
        upcoming = Appointment.objects.filter(start__date__gte=today, status=Status.CONFIRMED).count()
        self.stdout.write(
            f"Demo data: {Location.objects.count()} locations with {Room.objects.count()} rooms, "
            f"{MassageType.objects.count()} massage types, {Therapist.objects.count()} therapists, "
            f"{WorkingHours.objects.count()} working-hour spans, {TimeOff.objects.count()} time off, "
            f"{User.objects.count()} users, {Appointment.objects.count()} appointments "
            f"({upcoming} upcoming; {created} new, {kept} already there)."
        )
        self.stdout.write(
            f"Logins (password {DEMO_PASSWORD}): {ADMIN_EMAIL} (admin), {THERAPIST_EMAIL} (therapist), "
            f"{PATIENT_EMAIL} (patient)."
        )


def plan_appointments(therapists: list[Therapist], today: date, rng: random.Random) -> list[PlannedAppointment]:
    """Return a fixed pattern of bookings: completed ones last week, confirmed ones the next two weeks.

    Each lies inside one working-hours span, off any time off, and never overlaps another of the
    same therapist, room turnover included. The plan depends only on the inputs, never on what
    the database already holds, so a second run on the same day plans the same bookings.
    """
    planned: list[PlannedAppointment] = []
    days = [today + timedelta(days=offset) for offset in range(-PAST_DAYS, UPCOMING_DAYS + 1) if offset != 0]
    for therapist in therapists:
        types = sorted(therapist.massage_types.all(), key=lambda t: t.slug)
        spans_by_day: dict[int, list[WorkingHours]] = {}
        for hours in therapist.working_hours.all():
            spans_by_day.setdefault(hours.weekday, []).append(hours)
        time_off = [(off.start, off.end) for off in therapist.time_off.all()]
        booked: list[tuple[datetime, datetime]] = []
        for day in days:
            spans = spans_by_day.get(day.weekday())
            if not spans:
                continue
            past = day < today
            # Fewer in the past: enough history to show, without crowding the admin.
            wanted = rng.choice([0, 0, 0, 1] if past else [0, 1, 0, 1, 2, 0, 1])
            for _ in range(wanted):
                massage_type = rng.choice(types)
                span = rng.choice(spans)
                start = pick_start(span.on(day), massage_type, rng.random())
                if start is None:
                    continue
                candidate = PlannedAppointment(
                    therapist, massage_type, start, Status.COMPLETED if past else Status.CONFIRMED, span.location.pk
                )
                blocked = (candidate.start, candidate.blocked_until)
                if any(overlaps(blocked, other) for other in booked + time_off):
                    continue
                booked.append(blocked)
                planned.append(candidate)
    return sorted(planned, key=lambda p: (p.start, p.therapist.pk))


def pick_start(span: tuple[datetime, datetime], massage_type: MassageType, offset: float) -> datetime | None:
    """Return a grid start at the given fraction of the span where the session and its buffer fit."""
    # Work in UTC: adding a timedelta to a zoned datetime is wall-clock arithmetic.
    span_start, span_end = (moment.astimezone(UTC) for moment in span)
    length = massage_type.duration + massage_type.buffer
    room = span_end - span_start - length
    if room < timedelta(0):
        return None
    steps = room // GRID
    return span_start + GRID * int(offset * (steps + 1))


def overlaps(first: tuple[datetime, datetime], second: tuple[datetime, datetime]) -> bool:
    """Tell whether two half-open spans meet, as AppointmentQuerySet.overlapping does."""
    return first[0] < second[1] and first[1] > second[0]


def demo_intake(index: int) -> dict[str, Any]:
    """Return a plausible intake for a patient with back pain, the same for the same index."""
    rng = random.Random(RANDOM_SEED + index)
    intake: dict[str, Any] = {
        "focus_areas": rng.choice(FOCUS_AREAS),
        "pain_level": rng.randint(2, 7),
        "pressure": rng.choice([Pressure.LIGHT, Pressure.MEDIUM, Pressure.MEDIUM, Pressure.FIRM]),
        "health_notes": rng.choice(["", "", "Sits at a desk all day.", "Sore after gardening last weekend."]),
    }
    if index % 9 == 4:
        # One in nine answered a red-flag question, so the therapist's intake view has one to show.
        intake.update(red_flags=["leg_numbness"], provider_consulted=True, health_notes="GP saw me last month.")
    return intake
