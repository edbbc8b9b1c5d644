"""Units: the one pint registry collabrel owns, created lazily, and helpers around it.

Money, effort, percentages and KPI values are pint quantities from this registry. Each
currency is a dimension of its own, so 5 EUR + 3 USD is refused instead of silently converted;
convert explicitly with :func:`convert_currency` and a rate you state. Effort is counted in
``person_day`` (also ``person_hour``, ``person_month``) and staffing in ``FTE``.

Calendar intervals ("every 6 months") are *not* quantities: use :func:`collabrel.months`.

Text is read as a number and a unit, never as an expression: ``"120000 EUR"``,
``"2.5 FTE"``, ``"80 percent"`` and ``"3 person_day / day"`` are quantities; ``"10**3 EUR"``
and ``"2*3 EUR"`` are refused before pint sees them, as are numbers longer than
:data:`MAX_NUMBER_CHARS` characters, ``nan`` and infinities.

Quantities pickle by magnitude and unit and are rebuilt in collabrel's registry, so domain
objects holding them cross process boundaries (a ``multiprocessing`` pool, for instance).

The registry is built on first use, so ``import collabrel`` stays light.

Example:
    >>> from collabrel import units
    >>> units.money(1200, "EUR") + units.money(300, "EUR")
    <Quantity(1500, 'EUR')>
"""

from __future__ import annotations

import copyreg
import functools
import math
import re
import threading
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from collabrel.errors import MissingExtraError, UnitError

if TYPE_CHECKING:
    import pint

    Quantity: TypeAlias = pint.Quantity[Any]
else:  # the alias resolves lazily so that importing this module does not import pint
    Quantity = Any

__all__ = [
    "CURRENCIES",
    "MAX_NUMBER_CHARS",
    "Quantity",
    "convert_currency",
    "ensure_quantity",
    "fte",
    "is_money",
    "is_quantity",
    "money",
    "parse_quantity",
    "percent",
    "person_days",
    "quantity",
    "registry",
    "total",
]

CURRENCIES: tuple[str, ...] = (
    "AUD", "BRL", "CAD", "CHF", "CNY", "DKK", "EUR", "GBP", "HKD", "INR", "JPY", "KRW",
    "MXN", "NOK", "NZD", "PLN", "SEK", "SGD", "USD", "ZAR",
)  # fmt: skip
"""The ISO 4217 codes the registry knows, each a dimension of its own."""

MAX_NUMBER_CHARS = 40
"""The longest number accepted in a quantity's text (sign, digits, point and exponent)."""

_MAX_INT_DIGITS = 30
_MAX_TEXT = 200

_lock = threading.Lock()
_registry: pint.UnitRegistry[Any] | None = None


def registry() -> pint.UnitRegistry[Any]:
    """Return collabrel's unit registry, creating it on first use.

    Use it only to build quantities that collabrel objects hold; quantities from any other
    registry are refused.
    """
    global _registry  # noqa: PLW0603 - the one lazily created registry, guarded by a lock
    if _registry is None:
        with _lock:
            if _registry is None:
                try:
                    import pint
                except ImportError as exc:  # pint itself, or a library it imports, is broken
                    msg = (
                        f"pint, the units library collabrel needs, cannot be imported ({exc}); "
                        "pint also imports optional libraries it finds installed (dask, numpy, "
                        "babel, ...), so reinstall the package the message names, or pint "
                        "(pip install --force-reinstall pint)"
                    )
                    raise MissingExtraError(msg) from exc

                reg: pint.UnitRegistry[Any] = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
                for code in CURRENCIES:
                    reg.define(f"{code} = [currency_{code}]")
                reg.define("person_day = [effort] = pd")
                reg.define("person_hour = person_day / 8 = ph")
                reg.define("person_month = 20 * person_day = pm")
                reg.define("person_year = 220 * person_day = py")
                reg.define("FTE = person_day / day")
                # pickle by magnitude and unit items, rebuilt in this registry: pint's own
                # reduction rebuilds in the application registry, which lacks person_day
                copyreg.pickle(reg.Quantity, _reduce_quantity)
                copyreg.pickle(reg.Unit, _reduce_unit)
                _registry = reg
    return _registry


def _reduce_quantity(q: Quantity) -> tuple[Any, ...]:
    return (_rebuild_quantity, (q.magnitude, tuple(q.unit_items())))


def _reduce_unit(u: Any) -> tuple[Any, ...]:
    return (_rebuild_unit, (tuple(u._units.items()),))  # noqa: SLF001 - pint has no public items


def _container(items: Iterable[tuple[str, float]]) -> Any:
    from pint.util import UnitsContainer

    return UnitsContainer(dict(items))


def _rebuild_quantity(magnitude: Any, items: tuple[tuple[str, float], ...]) -> Quantity:
    """Rebuild a pickled quantity in collabrel's registry (the unpickling side)."""
    return registry().Quantity(magnitude, _container(items))


def _rebuild_unit(items: tuple[tuple[str, float], ...]) -> Any:
    """Rebuild a pickled unit in collabrel's registry (the unpickling side)."""
    return registry().Unit(_container(items))


def is_quantity(value: object) -> bool:
    """Return whether *value* is a quantity of collabrel's registry."""
    if _registry is None:
        return False
    return isinstance(value, _registry.Quantity)


def _foreign(value: object) -> bool:
    return type(value).__name__ in {"Quantity", "PlainQuantity"} and not is_quantity(value)


def ensure_quantity(
    value: object, *, dimension: str | None = None, what: str = "value"
) -> Quantity:
    """Return *value* as a quantity of collabrel's registry, or raise :class:`UnitError`.

    Args:
        value: a quantity of this registry, or a text such as ``"120 EUR"``.
        dimension: when given, what the value must measure: a pint dimensionality such as
            ``"[time]"`` or ``"[currency_EUR]"``, ``"money"`` (any one currency) or
            ``"effort"`` (person-days, or FTE: person-days per day).
        what: a name for the value, used in the error message.
    """
    if isinstance(value, str):
        value = parse_quantity(value)
    elif _foreign(value):
        raise UnitError(
            f"{what} is a quantity from another pint registry ({value!r}); quantities from "
            "different registries cannot be combined. Build it with collabrel.units.quantity() "
            "or parse it from text with collabrel.units.parse_quantity()."
        )
    elif not is_quantity(value):
        raise UnitError(
            f"{what} must be a quantity such as units.quantity(5, 'EUR') or the text '5 EUR'; "
            f"got {value!r}"
        )
    checked = cast("Quantity", value)
    _check_magnitude(checked.magnitude, what)
    if dimension is None:
        return checked
    if dimension == "money":
        if not is_money(checked):
            raise UnitError(
                f"{what} must be an amount of money in one currency, such as '120000 EUR'; "
                f"got {checked} ({checked.dimensionality})"
            )
    elif dimension == "effort":
        dims = dict(checked.dimensionality)
        if dims not in ({"[effort]": 1}, {"[effort]": 1, "[time]": -1}):
            raise UnitError(
                f"{what} must be an effort in person-days (or person_hour, person_month) or a "
                f"staffing level in FTE, such as '420 person_day' or '2.5 FTE'; got {checked}"
            )
    elif not checked.check("[]" if dimension == "dimensionless" else dimension):
        raise UnitError(
            f"{what} must have dimension {dimension}; got {checked} ({checked.dimensionality})"
        )
    return checked


def is_money(value: object) -> bool:
    """Return whether *value* is a quantity of this registry in exactly one currency."""
    if not is_quantity(value):
        return False
    dims = dict(cast("Quantity", value).dimensionality)
    return len(dims) == 1 and next(iter(dims)).startswith("[currency_") and 1 in dims.values()


def _check_magnitude(magnitude: object, what: str) -> None:
    """Refuse magnitudes that cannot be written and read back: non-numbers, nan, infinities."""
    if isinstance(magnitude, bool) or not isinstance(magnitude, int | float | Decimal | Fraction):
        raise UnitError(
            f"{what} must have a plain number as magnitude; got {type(magnitude).__name__}"
        )
    if isinstance(magnitude, int):
        if len(str(abs(magnitude))) > _MAX_INT_DIGITS:
            raise UnitError(
                f"{what} has a magnitude of more than {_MAX_INT_DIGITS} digits; "
                "write it with an exponent, such as 1.2e40"
            )
    elif not math.isfinite(magnitude):
        raise UnitError(f"{what} must be a finite number; got {magnitude}")


def quantity(value: float | Decimal, unit: str) -> Quantity:
    """Return a quantity of *value* in *unit* (``"EUR"``, ``"percent"``, ``"person_day"``...).

    The unit is a unit name, or names joined by ``*`` and ``/`` with small whole exponents
    (``"person_day / day"``); it is never evaluated as an expression.

    Raises:
        UnitError: when the unit is unknown or the value is not a finite number.
    """
    if not isinstance(unit, str):
        raise UnitError(f"the unit must be a text such as 'EUR'; got {type(unit).__name__}")
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | Fraction):
        raise UnitError(
            f"the magnitude must be a number such as 120000 or 2.5; got {type(value).__name__} "
            f"{value!r:.60}"
        )
    _check_magnitude(value, f"the quantity {value!r:.60} {unit[:40]}")
    reg = registry()
    return reg.Quantity(value, _units(unit, f"cannot use the unit {unit[:60]!r}"))


_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?"
_NAME = r"(?:[A-Za-z_][A-Za-z0-9_]*|%)"
_TERM = rf"{_NAME}(?:\s*(?:\*\*|\^)\s*[+-]?\d)?"
_UNIT = rf"(?:1\s*/\s*)?{_TERM}(?:\s*[*/]\s*{_TERM})*"
_QUANTITY_TEXT = re.compile(rf"\s*({_NUMBER})\s*({_UNIT})\s*")
_UNIT_TEXT = re.compile(rf"\s*({_UNIT})\s*")
_TERMS = re.compile(rf"(^\s*1\s*/|[*/]|)\s*({_NAME})(?:\s*(?:\*\*|\^)\s*([+-]?\d))?")
_HINT = "write a number and a unit, such as '120000 EUR', '80 percent' or '2.5 FTE'"


def _units(text: str, context: str) -> Any:
    """Return the unit container of a unit text such as ``"person_day / day"``.

    Only unit names, ``*``, ``/`` and one-digit exponents are read; nothing is evaluated.
    """
    if len(text) > _MAX_TEXT or _UNIT_TEXT.fullmatch(text) is None:
        raise UnitError(
            f"{context}: use a unit name such as 'EUR', 'percent', 'person_day' or 'FTE', "
            "optionally divided by another ('person_day / day'); nothing is evaluated"
        )
    try:
        return _read_units(text.strip())
    except _UnknownUnitError as exc:
        raise UnitError(
            f"{context}: unknown unit {exc.args[0]!r}; use a currency code "
            f"({', '.join(CURRENCIES[:4])}, ...), 'percent', 'person_day', 'FTE' or a "
            "pint unit such as 'day', as in '120000 EUR' or '2.5 FTE'"
        ) from None


class _UnknownUnitError(LookupError):
    """A unit name the registry does not define (turned into a UnitError with context)."""


@functools.lru_cache(maxsize=1024)
def _read_units(text: str) -> Any:
    """The unit container of a checked unit text; the few texts of a portfolio are cached."""
    reg = registry()  # first: it explains a pint that cannot be imported

    import pint

    exponents: dict[str, int] = {}
    for match in _TERMS.finditer(text):
        op, name, power = match.group(1), match.group(2), match.group(3)
        if not name:
            continue
        try:
            canonical = reg.get_name(name)
        except (pint.UndefinedUnitError, AttributeError, ValueError):
            raise _UnknownUnitError(name) from None
        step = int(power) if power else 1
        sign = -1 if op.strip().endswith("/") else 1
        exponents[canonical] = exponents.get(canonical, 0) + sign * step
    return _container((k, v) for k, v in exponents.items() if v)


def parse_quantity(text: str) -> Quantity:
    """Parse a quantity from text such as ``"120000 EUR"``, ``"80 percent"`` or ``"2.5 FTE"``.

    The text is a number and a unit, nothing else: arithmetic (``"10**3 EUR"``), numbers of
    more than :data:`MAX_NUMBER_CHARS` characters, ``nan`` and infinities are refused before
    pint sees them, so a hostile text costs no more than its length.

    Raises:
        UnitError: saying what is wrong and what to write instead.
    """
    if not isinstance(text, str):
        raise UnitError(
            f"a quantity must be a text such as '120000 EUR'; got {type(text).__name__}"
        )
    shown = text if len(text) <= 60 else text[:57] + "..."  # noqa: PLR2004
    match = _QUANTITY_TEXT.fullmatch(text) if len(text) <= _MAX_TEXT else None
    if match is None:
        raise UnitError(f"cannot read a quantity from {shown!r}: {_HINT}; {_diagnose(text)}")
    number, unit = match.group(1), match.group(2)
    if len(number) > MAX_NUMBER_CHARS:
        raise UnitError(
            f"cannot read a quantity from {shown!r}: the number has more than "
            f"{MAX_NUMBER_CHARS} characters; write it with an exponent, such as '1.2e9 EUR'"
        )
    magnitude: int | float
    if any(c in number for c in ".eE"):
        magnitude = float(number)
        if not math.isfinite(magnitude):
            raise UnitError(f"cannot read a quantity from {shown!r}: the number is too large")
    else:
        if len(number.lstrip("+-")) > _MAX_INT_DIGITS:
            raise UnitError(
                f"cannot read a quantity from {shown!r}: a whole number of more than "
                f"{_MAX_INT_DIGITS} digits; write it with an exponent, such as '1.2e40 EUR'"
            )
        magnitude = int(number)
    container = _units(unit, f"cannot read a quantity from {shown!r}")
    if not container:
        raise UnitError(f"cannot read a quantity from {shown!r}: it has no unit; {_HINT}")
    return registry().Quantity(magnitude, container)


def _diagnose(text: str) -> str:
    """Say what kind of text was refused, so the fix is obvious."""
    stripped = text.strip()
    if not stripped:
        return "it is empty"
    if len(text) > _MAX_TEXT:
        return f"it is longer than {_MAX_TEXT} characters"
    if not re.match(r"[+-]?(\d|\.\d)", stripped):
        if re.match(r"[+-]?(nan|inf)", stripped, re.IGNORECASE):
            return "nan and infinities cannot be stored; write a finite number"
        if re.match(r"[A-Za-z_%]", stripped):
            return "it starts with the unit; put the number first"
        return "it does not start with a number"
    if re.search(r"\*\*|\^|[()]|\d\s*[*/+-]\s*\d", stripped):
        return "arithmetic is not evaluated; write the resulting number"
    if re.match(r"[+-]?\d{1,3}(,\d{3})+", stripped):
        return "write the number without thousands separators"
    return "the unit part is not a unit name"


def money(amount: float | Decimal, currency: str) -> Quantity:
    """Return an amount of money in the ISO 4217 *currency*.

    Raises:
        UnitError: when the currency is not one of :data:`CURRENCIES`.
    """
    code = currency.upper()
    if code not in CURRENCIES:
        raise UnitError(f"unknown currency {currency!r}; known: {', '.join(CURRENCIES)}")
    return quantity(amount, code)


def percent(value: float | Decimal) -> Quantity:
    """Return *value* percent."""
    return quantity(value, "percent")


def person_days(value: float | Decimal) -> Quantity:
    """Return an effort of *value* person-days."""
    return quantity(value, "person_day")


def fte(value: float | Decimal) -> Quantity:
    """Return a staffing level of *value* full-time equivalents."""
    return quantity(value, "FTE")


def total(values: Iterable[Quantity]) -> Quantity | None:
    """Return the sum of *values* (``None`` when empty), refusing mixed currencies.

    Raises:
        UnitError: when the values have different dimensions, such as EUR and USD.
    """
    result: Quantity | None = None
    for value in values:
        q = ensure_quantity(value)
        if result is None:
            result = q
            continue
        if result.dimensionality != q.dimensionality:
            raise UnitError(
                f"cannot add {result} and {q}: they are different dimensions "
                f"({result.dimensionality} vs {q.dimensionality}). Currencies are never "
                "converted implicitly; convert first with "
                "units.convert_currency(q, 'EUR', rate=...)."
            )
        result = result + q
    return result


def convert_currency(value: Quantity, to: str, *, rate: float | Decimal) -> Quantity:
    """Convert an amount of money to currency *to* at an explicit *rate* (units of *to* per 1).

    Example:
        >>> from collabrel import units
        >>> units.convert_currency(units.money(100, "USD"), "EUR", rate=0.9)
        <Quantity(90.0, 'EUR')>
    """
    q = ensure_quantity(value, what="amount")
    codes = [c for c in CURRENCIES if q.check(f"[currency_{c}]")]
    if not codes:
        raise UnitError(f"{q} is not an amount of money in a known currency")
    return money(q.magnitude * rate, to)
