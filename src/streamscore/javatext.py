"""Java's text forms of numbers: Flink prints doubles and floats with Double/Float.toString, and its json
format writes the numbers of a nested object that way (both engines must print them alike)."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np


def java_double_to_string(value: float) -> str:
    """Java's Double.toString: plain in [1e-3, 1e7), else d.dddE±n; always a fractional part."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    if 1e-3 <= abs(value) < 1e7:
        return repr(value)  # Python prints this range plainly too, with the same shortest digits
    return _scientific(repr(value))


def java_float_to_string(value: float) -> str:
    """Java's Float.toString: the shortest digits that identify the float32 value, laid out as Double's."""
    value = float(np.float32(value))
    if value != value or value in (float("inf"), float("-inf")) or value == 0:
        return java_double_to_string(value)
    shortest = str(np.float32(value))  # numpy prints a float32's shortest round-trip digits
    return java_double_to_string(float(shortest)) if 1e-3 <= abs(value) < 1e7 else _scientific(shortest)


def _scientific(digits_text: str) -> str:
    sign, digits, exponent = Decimal(digits_text).normalize().as_tuple()
    mantissa = "".join(map(str, digits))
    power = len(digits) - 1 + exponent
    return f"{'-' if sign else ''}{mantissa[0]}.{mantissa[1:] or '0'}E{power}"
