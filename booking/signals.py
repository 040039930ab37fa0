"""What the booking services announce, inside their transaction, to the apps beside booking.

Payments (the deposit, the late-cancellation and no-show fees) and the waitlist (time that
freed up) answer these without booking knowing them. Receivers run synchronously in the
service's transaction: what they write commits or rolls back with the change, and a
receiver that raises a BookingError refuses the change as a whole.
"""

from __future__ import annotations

from django.dispatch import Signal

# appointment, by, staff (the clinic booked it), now
booked = Signal()
# appointment, by, late (inside the cancellation window, the patient accepted the fee), now
cancelled = Signal()
# appointment, previous_start, previous_therapist_id, by, now
rescheduled = Signal()
# appointment, status, previous, by, now
outcome_recorded = Signal()
# therapist_ids, location_id (None: wherever they work), start, end, now: time that may be
# bookable again (a cancellation, a move, new hours, time off removed, a room reopened).
time_freed = Signal()
