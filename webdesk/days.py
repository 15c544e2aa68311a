"""Calendar arithmetic of the programme's rules (the years a revoked company is barred)."""

from __future__ import annotations

from datetime import date


def plus_years(day: date, years: int) -> date:
    """The same day `years` later; 28 February for a 29 February that year lacks."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
