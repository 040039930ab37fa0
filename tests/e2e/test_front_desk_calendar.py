"""The front desk's calendar in a real browser: phone bookings, moves, a refused move, a cancel, and live updates."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from booking import services
from booking.models import Appointment, Status
from clinic.models import User
from tests.admin.conftest import staff_groups  # noqa: F401  (the migration's groups)
from tests.conftest import CLINIC_ZONE
from tests.e2e.conftest import check_accessibility, login, screenshot
from tests.factories import PASSWORD, UserFactory, room_of

DAY = "/admin/calendar/?date=2026-03-04"
TABLET = {"width": 1024, "height": 768}


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 4, hour, minute, tzinfo=CLINIC_ZONE)


@pytest.fixture
def desk(staff_groups: None) -> User:  # noqa: F811
    user = UserFactory(email="fran@example.test", first_name="Fran", last_name="Frontdesk", is_staff=True)
    user.groups.add(Group.objects.get(name="Front desk"))
    return user


@pytest.fixture
def calendar(page: Page, live_server: Any, desk: User, site_catalogue: dict, clock: Any) -> Page:
    """The front desk signed in, on Wednesday's calendar, at the size of a 1024-pixel tablet."""
    page.set_viewport_size(TABLET)
    login(page, live_server, desk.email, PASSWORD)
    page.goto(f"{live_server.url}{DAY}")
    expect(page.get_by_role("grid")).to_be_visible()
    return page


def cell(page: Page, label: str) -> Any:
    return page.get_by_role("gridcell", name=label, exact=True)


def session_cell(page: Page, label: str) -> Any:
    """Return the cell whose name starts with the label (the rest names the room or therapist)."""
    return page.get_by_role("gridcell", name=re.compile("^" + re.escape(label)))


def counter() -> tuple[list[str], Callable[[str], None]]:
    actions: list[str] = []
    return actions, actions.append


def test_a_phone_booking_for_a_known_patient_takes_four_actions_after_the_click(
    calendar: Page, patient: User, site_catalogue: dict
) -> None:
    page = calendar
    check_accessibility(page)
    actions, act = counter()

    cell(page, "Carol Chen, 10:00 AM: free").click()
    dialog = page.get_by_role("dialog", name="Book Carol Chen, 10:00 AM")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Find the patient by name, e-mail or phone").fill("alice")
    act("type the name")
    dialog.get_by_role("button", name="Alice Archer").click()
    act("choose the patient")
    dialog.get_by_label("Deep tissue, 60 min").check()
    act("choose the massage")
    check_accessibility(page)
    dialog.get_by_role("button", name="Confirm booking").click()
    act("confirm")

    expect(
        session_cell(
            page, "Carol Chen, 10:00 AM: Alice Archer, new patient, Deep tissue, 10:00\N{EN DASH}11:00 AM, Confirmed"
        )
    ).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Booked: Deep tissue with Alice Archer")
    check_accessibility(page)  # the grid with a session in it
    assert len(actions) <= 4, actions
    booked = Appointment.objects.get(patient=patient)
    assert (booked.start, booked.therapist, booked.status) == (at(10), site_catalogue["carol"], Status.CONFIRMED)
    screenshot(page, "front-desk-day-booked")


def test_a_new_caller_is_booked_with_name_and_phone(calendar: Page, site_catalogue: dict) -> None:
    page = calendar

    cell(page, "Dan Diaz, 3:00 PM: free").click()
    dialog = page.get_by_role("dialog", name="Book Dan Diaz, 3:00 PM")
    dialog.get_by_role("button", name="New caller").click()
    dialog.get_by_label("First name").fill("Nina")
    dialog.get_by_label("Last name").fill("Novak")
    dialog.get_by_label("Phone", exact=True).fill("617 555 0177")
    dialog.get_by_label("Trigger point therapy, 45 min").check()
    dialog.get_by_role("button", name="Confirm booking").click()

    expect(
        session_cell(
            page,
            "Dan Diaz, 3:00 PM: Nina Novak, new patient, Trigger point therapy, 3:00\N{EN DASH}3:45 PM, Confirmed",
        )
    ).to_be_visible()
    caller = User.objects.get(first_name="Nina")
    assert (caller.phone, caller.has_usable_password()) == ("+16175550177", False)


def test_a_session_is_moved_by_drag_and_drop(
    calendar: Page, live_server: Any, patient: User, site_catalogue: dict
) -> None:
    page = calendar
    session = services.book(
        patient=patient, therapist=site_catalogue["carol"], massage_type=site_catalogue["deep_tissue"], start=at(9)
    )
    page.reload()

    card = page.locator(f'.fd-card[data-session="{session.pk}"]')
    card.drag_to(cell(page, "Dan Diaz, 12:00 PM: free"))

    expect(page.get_by_role("status")).to_contain_text(
        "Moved: Deep tissue with Alice Archer is now 12:00\N{EN DASH}1:00 PM"
    )
    session.refresh_from_db()
    assert (session.start, session.therapist) == (at(12), site_catalogue["dan"])


def test_a_session_is_moved_with_the_keyboard(calendar: Page, patient: User, site_catalogue: dict) -> None:
    page = calendar
    session = services.book(
        patient=patient, therapist=site_catalogue["carol"], massage_type=site_catalogue["deep_tissue"], start=at(9)
    )
    page.reload()

    start = session_cell(
        page, "Carol Chen, 9:00 AM: Alice Archer, new patient, Deep tissue, 9:00\N{EN DASH}10:00 AM, Confirmed"
    )
    start.click()
    page.get_by_role("dialog").get_by_role("button", name="Close").click()
    expect(start).to_be_focused()
    page.keyboard.press("m")
    expect(page.get_by_role("status")).to_contain_text("Moving Deep tissue with Alice Archer")
    for _ in range(8):  # 09:00 -> 11:00, two hours of quarter-hour rows
        page.keyboard.press("ArrowDown")
    expect(cell(page, "Carol Chen, 11:00 AM: free")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_contain_text("is now 11:00 AM\N{EN DASH}12:00 PM with Carol Chen")
    session.refresh_from_db()
    assert session.start == at(11)


def test_a_move_into_a_cell_taken_meanwhile_is_refused_with_the_reason(
    calendar: Page, patient: User, other_patient: User, site_catalogue: dict
) -> None:
    page = calendar
    carol, deep = site_catalogue["carol"], site_catalogue["deep_tissue"]
    session = services.book(patient=patient, therapist=carol, massage_type=deep, start=at(9))
    page.reload()
    # Someone else takes 14:00 while the page still shows it free.
    services.book(patient=other_patient, therapist=carol, massage_type=deep, start=at(14))

    page.locator(f'.fd-card[data-session="{session.pk}"]').drag_to(cell(page, "Carol Chen, 2:00 PM: free"))

    alert = page.locator("#fd-alert")
    expect(alert).to_contain_text("Not moved: Carol Chen already has Deep tissue with Bob Baker")
    expect(alert).to_contain_text("The nearest free times that day are")
    session.refresh_from_db()
    assert session.start == at(9)


def test_a_session_is_cancelled_with_a_reason(calendar: Page, patient: User, site_catalogue: dict) -> None:
    page = calendar
    session = services.book(
        patient=patient, therapist=site_catalogue["carol"], massage_type=site_catalogue["deep_tissue"], start=at(13)
    )
    page.reload()

    session_cell(
        page, "Carol Chen, 1:00 PM: Alice Archer, new patient, Deep tissue, 1:00\N{EN DASH}2:00 PM, Confirmed"
    ).press("Enter")
    dialog = page.get_by_role("dialog", name="Alice Archer: Deep tissue")
    dialog.get_by_role("button", name="History").click()
    expect(dialog.locator("#fd-history")).to_contain_text("Booked")
    dialog.get_by_role("button", name="Cancel session…").click()
    dialog.get_by_label("Reason for cancelling").fill("The patient has the flu")
    check_accessibility(page)
    dialog.get_by_role("button", name="Cancel the session").click()

    expect(page.get_by_role("status")).to_contain_text("Cancelled: Deep tissue with Alice Archer")
    expect(cell(page, "Carol Chen, 1:00 PM: free")).to_be_visible()
    session.refresh_from_db()
    assert (session.status, session.cancellation_reason) == (Status.CANCELLED, "The patient has the flu")


def test_the_calendar_shows_a_booking_made_elsewhere_by_itself(
    page: Page, live_server: Any, desk: User, site_catalogue: dict, other_patient: User, clock: Any, settings: Any
) -> None:
    settings.FRONTDESK_POLL_SECONDS = 1
    login(page, live_server, desk.email, PASSWORD)
    page.goto(f"{live_server.url}{DAY}")
    expect(cell(page, "Dan Diaz, 11:00 AM: free")).to_be_visible()

    services.book(
        patient=other_patient, therapist=site_catalogue["dan"], massage_type=site_catalogue["deep_tissue"], start=at(11)
    )

    expect(
        session_cell(
            page, "Dan Diaz, 11:00 AM: Bob Baker, new patient, Deep tissue, 11:00 AM\N{EN DASH}12:00 PM, Confirmed"
        )
    ).to_be_visible(timeout=8000)
    expect(page.get_by_role("status")).to_contain_text("The calendar was updated")
    screenshot(page, "front-desk-day-updated")


def test_a_room_cell_books_with_a_chosen_therapist_and_the_week_shows_it(
    calendar: Page, live_server: Any, patient: User, site_catalogue: dict
) -> None:
    page = calendar
    carol = site_catalogue["carol"]
    room = room_of(carol)
    page.get_by_role("link", name="By room").click()
    check_accessibility(page)

    cell(page, f"{room.name}, 1:00 PM: free").click()
    dialog = page.get_by_role("dialog", name=f"Book in {room.name}, 1:00 PM")
    dialog.get_by_label("Therapist").select_option(label="Carol Chen")
    dialog.get_by_label("Find the patient by name, e-mail or phone").fill("archer")
    dialog.get_by_role("button", name="Alice Archer").click()
    dialog.get_by_label("Swedish massage, 60 min").check()
    dialog.get_by_role("button", name="Confirm booking").click()

    expect(page.get_by_role("status")).to_contain_text("Booked: Swedish massage with Alice Archer")
    booked = Appointment.objects.get(patient=patient)
    assert (booked.room, booked.therapist, booked.start) == (room, carol, at(13))
    screenshot(page, "front-desk-day-by-room")

    page.goto(f"{live_server.url}/admin/calendar/week/?date=2026-03-04&therapist={carol.pk}")
    expect(
        session_cell(
            page, "Wed, Mar 4, 1:00 PM: Alice Archer, new patient, Swedish massage, 1:00\N{EN DASH}2:00 PM, Confirmed"
        )
    ).to_be_visible()
    check_accessibility(page)
    screenshot(page, "front-desk-week")
