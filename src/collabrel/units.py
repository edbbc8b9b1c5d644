"""Units: the one pint registry collabrel owns, created lazily, and helpers around it.

Money, effort, percentages and KPI values are pint quantities from this registry. Each
currency is a dimension of its own, so 5 EUR + 3 USD is refused instead of silently converted;
convert explicitly with :func:`convert_currency` and a rate you state. Effort is counted in
``person_day`` (also ``person_hour``, ``person_month``) and staffing in ``FTE``.

Calendar intervals ("every 6 months") are *not* quantities: use :func:`collabrel.months`.

The registry is built on first use, so ``import collabrel`` stays light.

Example:
    >>> from collabrel import units
    >>> units.money(1200, "EUR") + units.money(300, "EUR")
    <Quantity(1500, 'EUR')>
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from collabrel.errors import UnitError

if TYPE_CHECKING:
    import pint

    Quantity: TypeAlias = pint.Quantity[Any]
else:  # the alias resolves lazily so that importing this module does not import pint
    Quantity = Any

__all__ = [
    "CURRENCIES",
    "Quantity",
    "convert_currency",
    "ensure_quantity",
    "fte",
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
                import pint

                reg: pint.UnitRegistry[Any] = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
                for code in CURRENCIES:
                    reg.define(f"{code} = [currency_{code}]")
                reg.define("person_day = [effort] = pd")
                reg.define("person_hour = person_day / 8 = ph")
                reg.define("person_month = 20 * person_day = pm")
                reg.define("person_year = 220 * person_day = py")
                reg.define("FTE = person_day / day")
                _registry = reg
    return _registry


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
        dimension: when given, a pint dimensionality the value must have, such as ``"[time]"``
            or ``"[currency_EUR]"``.
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
    if dimension == "dimensionless":
        dimension = "[]"
    if dimension is not None and not checked.check(dimension):
        raise UnitError(
            f"{what} must have dimension {dimension}; got {checked} ({checked.dimensionality})"
        )
    return checked


def quantity(value: float | Decimal, unit: str) -> Quantity:
    """Return a quantity of *value* in *unit* (``"EUR"``, ``"percent"``, ``"person_day"``...).

    Raises:
        UnitError: when the unit is unknown.
    """
    import pint

    try:
        return registry().Quantity(value, unit)
    except (pint.UndefinedUnitError, pint.DefinitionSyntaxError, AttributeError) as exc:
        raise UnitError(
            f"unknown unit {unit!r}; use a currency code ({', '.join(CURRENCIES[:4])}, ...), "
            "'percent', 'person_day', 'FTE' or any pint unit"
        ) from exc


def parse_quantity(text: str) -> Quantity:
    """Parse a quantity from text such as ``"120000 EUR"``, ``"80 percent"`` or ``"2.5 FTE"``.

    Raises:
        UnitError: when the text is not a number followed by a known unit.
    """
    import pint

    reg = registry()
    try:
        parsed: Quantity = reg.Quantity(text.strip())
    except (pint.UndefinedUnitError, pint.DefinitionSyntaxError, ValueError, AttributeError) as exc:
        raise UnitError(
            f"cannot read a quantity from {text!r}; write a number and a unit, "
            "such as '120000 EUR', '80 percent' or '2.5 FTE'"
        ) from exc
    except Exception as exc:
        raise UnitError(f"cannot read a quantity from {text!r}: {exc}") from exc
    if not isinstance(parsed, reg.Quantity) or str(parsed.units) == "dimensionless":
        raise UnitError(
            f"cannot read a quantity from {text!r}: it has no unit; write a number and a unit, "
            "such as '120000 EUR'"
        )
    if not re.match(r"\s*[-+]?(\d|\.\d)", text):
        raise UnitError(
            f"cannot read a quantity from {text!r}: it does not start with a number; write a "
            "number and a unit, such as '120000 EUR'"
        )
    return parsed


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
