"""Vehicle identification numbers: 17 characters with a check digit, so a typo is caught at once."""

from __future__ import annotations

import re

TRANSLITERATION = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


_CODE = re.compile(r"\b[A-Za-z0-9][A-Za-z0-9-]{10,}[A-Za-z0-9]\b")


class InvalidVin(ValueError):
    """Why a VIN can't be right, in words for the customer."""


def check_digit(vin: str) -> str:
    total = sum(TRANSLITERATION[char] * weight for char, weight in zip(vin, WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def normalise_vin(text: str) -> str:
    """The VIN in capitals without spaces or dashes; raises InvalidVin saying what's wrong.

    A VIN inside a sentence ("the vin is 1CV...") is found by its shape: the one long code in it.
    """
    vin = "".join(text.split()).replace("-", "").upper()
    codes = [c.replace("-", "").upper() for c in _CODE.findall(text) if any(ch.isdigit() for ch in c)]
    if len(vin) != 17 and len(codes) == 1:
        vin = codes[0]
    if len(vin) != 17:
        raise InvalidVin(
            f"A VIN has 17 characters and that has {len(vin)}. It's on your registration, insurance "
            "card, or the driver's side of the dashboard, seen through the windshield."
        )
    wrong = sorted({char for char in vin if char not in TRANSLITERATION})
    if wrong:
        hint = " (VINs never use I, O or Q, which look like 1 and 0)" if set(wrong) & set("IOQ") else ""
        raise InvalidVin(f"A VIN can't contain {', '.join(wrong)}{hint}. Could you check it?")
    if vin[8] != check_digit(vin):
        raise InvalidVin(
            "That VIN doesn't add up (its check digit is off), so a character may be mistyped. "
            "Could you check it?"
        )
    return vin
