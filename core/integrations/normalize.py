"""One normal form for every platform's fields, so the same member looks the same in the store
whichever platform it came from."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from core.clock import DEFAULT_TZ
from core.integrations.base import BadResponse


def email(value: Any) -> str | None:
    text = str(value or "").strip().lower()
    return text or None


_NON_DIGITS = re.compile(r"\D")


def phone(value: Any) -> str | None:
    """Digits only, Korean mobile numbers in their domestic form: '+82 10-1234-5678' -> '01012345678'."""
    text = str(value or "")
    # Most numbers are digits with dashes, blanks or a '+': removing only those and finding only digits left is
    # the same answer as removing every non-digit, at a quarter of the regular expression's cost.
    digits = text.replace("-", "").replace(" ", "").replace("+", "")
    if not digits.isdecimal():  # exactly the characters `\d` matches (Unicode category Nd)
        digits = _NON_DIGITS.sub("", text)
    if digits.startswith("82") and len(digits) >= 11:
        digits = "0" + digits[2:]
    return digits or None


# Korean mobile numbers: 010 with 8 digits after it, 011 and 016-019 (the older carriers' prefixes) with 7 or 8.
_MOBILE = re.compile(r"010\d{8}|01[16789]\d{7,8}")


def mobile(value: Any) -> str | None:
    """A Korean mobile number in `phone`'s form, or None: a landline (02 ..., 031 ...), an 070 internet phone,
    a short or foreign number cannot receive an Alimtalk or a text. The one test of "a mobile number" the
    console has, used by every sender and planner."""
    digits = phone(value)
    return digits if digits and _MOBILE.fullmatch(digits) else None


def text(value: Any) -> str | None:
    out = str(value).strip() if value is not None else ""
    return out or None


def flag(value: Any) -> bool:
    """A platform's yes/no: T/F, Y/N, true/false, 1/0, 'yes', 'on'."""
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in {"t", "y", "yes", "true", "1", "on"}


def consent(value: Any) -> bool | None:
    """A marketing consent as the platform reported it; None (unknown) when the answer leaves it out.

    An absent consent is not a refusal and not an agreement: storing False would silently withdraw every
    member's consent, storing True would advertise to people who never agreed. Unknown is kept as NULL, and
    advertising needs a consent that is known to be given.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return flag(value)


def integer(value: Any, *, what: str = "number", default: int | None = None) -> int:
    """A whole number (an int, or text of one); anything else is a BadResponse naming `what`."""
    if value in (None, "") and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadResponse("sync.bad_number", what=what, value=str(value),
                          detail=f"{what} '{value}' is not a whole number")
    try:
        return int(str(value).replace(",", "").strip())
    except ValueError:
        raise BadResponse("sync.bad_number", what=what, value=str(value),
                          detail=f"{what} '{value}' is not a whole number") from None


def instant(value: Any, tz: str = DEFAULT_TZ, *, what: str = "timestamp") -> dt.datetime | None:
    """An aware UTC instant from ISO 8601 or 'YYYY-MM-DD HH:MM:SS'; a naive time is in the shop's zone."""
    if value in (None, "", "0000-00-00 00:00:00", "0000-00-00"):
        return None
    if isinstance(value, dt.datetime):
        at = value
    else:
        raw = str(value).strip().replace("Z", "+00:00")
        try:
            at = dt.datetime.fromisoformat(raw)
        except ValueError:
            raise BadResponse("sync.bad_date", what=what, value=str(value),
                              detail=f"{what} '{value}' is not a date and time the console can read") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(tz))
    return at.astimezone(dt.UTC)


def required_instant(value: Any, tz: str = DEFAULT_TZ, *, what: str = "timestamp") -> dt.datetime:
    """`instant` for a time the record cannot do without: an empty one is a BadResponse naming it."""
    at = instant(value, tz, what=what)
    if at is None:
        raise BadResponse("sync.missing_field", what=what, field=what, detail=f"{what} is empty")
    return at


def amount(value: Any, *, what: str = "amount") -> float:
    if value in (None, ""):
        return 0.0
    try:
        return float(Decimal(str(value).replace(",", "").strip()))
    except InvalidOperation:
        raise BadResponse("sync.bad_number", what=what, value=str(value),
                          detail=f"{what} '{value}' is not a number") from None


def require(record: dict[str, Any], field: str, *, what: str) -> Any:
    """A field the console cannot do without; its absence names the record and the field."""
    value = record.get(field)
    if value is None or value == "":
        raise BadResponse("sync.missing_field", what=what, field=field, detail=f"{what} has no '{field}'")
    return value
