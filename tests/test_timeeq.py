"""Time equations: parsing, linearity, limits, evaluation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlprofit.core.timeeq import MAX_EQUATION_LENGTH, MAX_NESTING_DEPTH, TimeEquation, parse_time_equation
from xlprofit.errors import InputError

PROPERTY = settings(derandomize=True, database=None, deadline=None, max_examples=150)


@pytest.mark.parametrize(
    ("text", "intercept", "coefficients"),
    [
        # The order-handling equation of docs/architecture.md: 5 min per order, 2 per line, 10 per rush.
        ("5 + 2*lines + 10*rush", 5.0, {"lines": 2.0, "rush": 10.0}),
        # 0.5 min per line beyond the first, plus 3: 0.5*lines - 0.5 + 3.
        ("0.5*(lines - 1) + 3", 2.5, {"lines": 0.5}),
        ("2.5 * units / 10", 0.0, {"units": 0.25}),
        ("-(-lines) * 3 - 2", -2.0, {"lines": 3.0}),
        ("12", 12.0, {}),
        ("2*(lines + 1)*3", 6.0, {"lines": 6.0}),
        ("(lines + rush) / 4 + lines", 0.0, {"lines": 1.25, "rush": 0.25}),
        ("1.5e1 + .5*pallets", 15.0, {"pallets": 0.5}),
        ("lines - lines + 1", 1.0, {"lines": 0.0}),
        ("  4\t+\n3 * extra_stop_2  ", 4.0, {"extra_stop_2": 3.0}),
    ],
)
def test_parse_linear_equations(text: str, intercept: float, coefficients: dict[str, float]) -> None:
    equation = parse_time_equation(text)
    assert equation.text == text
    # Exact decimal arithmetic on short literals: 1e-12 allows only binary rounding.
    assert equation.intercept == pytest.approx(intercept, abs=1e-12)
    assert equation.coefficients.keys() == coefficients.keys()
    for name, value in coefficients.items():
        assert equation.coefficients[name] == pytest.approx(value, abs=1e-12)
    assert equation.variables == list(coefficients)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("lines * rush", "'lines' * 'rush' multiplies two drivers"),
        ("5 + (lines + 1) * (rush - 2)", "'(lines + 1)' * '(rush - 2)' multiplies two drivers"),
        ("10 / lines", "division by 'lines' divides by a driver"),
        ("3 / (2 - 2)", "division by zero"),
        ("5 + $3", "unexpected character '$' at position 5"),
        ("__import__('os')", "unexpected character"),
        ("lines ** 2", "unexpected '*'"),
        ("(1 + 2", "missing ')'"),
        ("1 2", "unexpected '2' at position 3"),
        ("5 +", "ends where a number"),
        (")", "unexpected ')'"),
        ("1e999 * lines", "too large"),
        ("2lines", "unexpected 'lines'"),
    ],
)
def test_rejected_equations_name_the_offending_part(text: str, fragment: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_time_equation(text)
    message = str(caught.value)
    assert fragment in message
    assert "time equation" in message


def test_rejects_empty_long_deep_and_non_text() -> None:
    with pytest.raises(InputError, match="empty"):
        parse_time_equation("   ")
    with pytest.raises(InputError, match=f"the limit is {MAX_EQUATION_LENGTH}"):
        parse_time_equation("1+" * 250 + "1")
    deep = "(" * (MAX_NESTING_DEPTH + 1) + "lines" + ")" * (MAX_NESTING_DEPTH + 1)
    with pytest.raises(InputError, match="nested more than"):
        parse_time_equation(deep)
    with pytest.raises(InputError, match="nested more than"):
        parse_time_equation("-" * (MAX_NESTING_DEPTH + 1) + "1")
    shallow = "(" * (MAX_NESTING_DEPTH - 1) + "lines" + ")" * (MAX_NESTING_DEPTH - 1)
    assert parse_time_equation(shallow).coefficients == {"lines": 1.0}
    with pytest.raises(InputError, match="must be text"):
        parse_time_equation(5)  # type: ignore[arg-type]


def test_minutes_are_vectorised_over_rows() -> None:
    equation = parse_time_equation("5 + 2*lines + 10*rush")
    volumes = pd.DataFrame(
        {"orders": [3.0, 0.0, 10.0], "lines": [7.0, 0.0, 25.0], "rush": [1.0, 0.0, 0.0]},
        index=pd.Index(["A", "B", "C"], name="customer_id"),
    )
    minutes = equation.minutes(volumes["orders"], volumes)
    # 5×3 + 2×7 + 10×1 = 39; 0; 5×10 + 2×25 = 100 (the definition in docs/architecture.md).
    assert minutes.tolist() == [39.0, 0.0, 100.0]
    assert list(minutes.index) == ["A", "B", "C"]
    # A Series driver volume is aligned on the index, not by position.
    shuffled = volumes["orders"].iloc[::-1]
    assert equation.minutes(shuffled, volumes).tolist() == [39.0, 0.0, 100.0]
    assert equation.minutes(np.array([3.0, 0.0, 10.0]), volumes).tolist() == [39.0, 0.0, 100.0]
    with pytest.raises(InputError, match="'rush'"):
        equation.minutes(volumes["orders"], volumes[["orders", "lines"]])
    with pytest.raises(InputError, match="one value per row"):
        equation.minutes(np.ones(2), volumes)


def test_evaluate_one_event() -> None:
    equation = parse_time_equation("5 + 2*lines + 10*rush")
    assert equation.evaluate({"lines": 4, "rush": 1}) == 23.0
    assert equation.evaluate({"lines": 4, "rush": 0}, driver_volume=2) == 18.0
    with pytest.raises(InputError, match="'rush'"):
        equation.evaluate({"lines": 4})


def test_unit_time_is_an_equation_without_drivers() -> None:
    equation = TimeEquation(text="8", intercept=8.0, coefficients={})
    volumes = pd.DataFrame({"orders": [20_000.0, 29_000.0]})
    # Kaplan & Anderson (HBR, Nov 2004): 8 minutes per order; 49,000 orders take 392,000 minutes.
    assert float(equation.minutes(volumes["orders"], volumes).sum()) == 392_000.0


names = st.sampled_from(["lines", "rush", "units", "pallets", "stops"])
coefficients = st.integers(min_value=-50, max_value=50).map(lambda n: n / 4)


@PROPERTY
@given(
    intercept=coefficients,
    terms=st.lists(st.tuples(coefficients, names), max_size=6),
    volumes=st.lists(st.integers(min_value=0, max_value=1000), min_size=6, max_size=6),
)
def test_written_linear_forms_round_trip(
    intercept: float, terms: list[tuple[float, str]], volumes: list[int]
) -> None:
    text = " + ".join([f"({intercept})"] + [f"({value})*{name}" for value, name in terms])
    equation = parse_time_equation(text)
    expected: dict[str, float] = {}
    for value, name in terms:
        expected[name] = expected.get(name, 0.0) + value
    # Quarters of small integers are exact in binary, so the sums are exact.
    assert equation.intercept == intercept
    assert equation.coefficients == expected
    frame = pd.DataFrame([volumes], columns=["orders", "lines", "rush", "units", "pallets", "stops"])
    direct = intercept * volumes[0] + sum(value * frame[name].iloc[0] for value, name in terms)
    assert float(equation.minutes(frame["orders"], frame).iloc[0]) == direct


@PROPERTY
@given(st.text(max_size=80))
def test_arbitrary_text_parses_or_raises_input_error(text: str) -> None:
    try:
        equation = parse_time_equation(text)
    except InputError:
        return
    assert np.isfinite(equation.intercept)
    assert all(np.isfinite(value) for value in equation.coefficients.values())


@PROPERTY
@given(
    left=st.sampled_from(["lines", "(lines + 1)", "2*rush", "(3 - units)"]),
    right=st.sampled_from(["rush", "(rush - 2)", "units/2", "-(stops)"]),
)
def test_any_product_of_drivers_is_rejected(left: str, right: str) -> None:
    with pytest.raises(InputError, match="multiplies two drivers"):
        parse_time_equation(f"1 + {left} * {right}")
    with pytest.raises(InputError, match="divides by a driver"):
        parse_time_equation(f"1 + {left} / {right}")
