"""Config: the intervals and thresholds of the built-in rules, and their overrides."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from collabrel import CalendarInterval, Config, ReviewIntervals, days, months
from collabrel._config import keys
from collabrel.errors import ConfigError
from collabrel.testing import intervals

# the defaults promised by the field docstrings (catalog §0.4)
DOCUMENTED_DEFAULTS = {
    "review.context": months(12),
    "review.policy": months(12),
    "review.objectives_corporate": months(12),
    "review.risk_corporate": months(12),
    "review.risk_relationship": months(3),
    "review.risk_joint": months(3),
    "review.competence": months(12),
    "review.corporate_rmp": months(12),
    "review.rmp": months(12),
    "review.joint_rmp": months(6),
    "review.exit_strategy": months(12),
    "review.collaborative_profile": months(12),
    "ser_review": months(6),
    "jmt_cadence": months(1),
    "trust_survey": months(6),
    "audit_cycle": months(12),
    "mr_interval": months(12),
    "exit_eval_due": days(90),
    "nc_max_open": days(90),
    "value_period": months(6),
    "disengage_plan_days": days(30),
    "improvement_period": months(12),
    "communication_period": months(12),
    "risk_threshold": 6,
    "awareness_coverage": 1.0,
    "action_closure": 0.8,
    "trust_drop": 0.10,
}


def test_defaults_match_the_documentation():
    assert Config().to_mapping() == DOCUMENTED_DEFAULTS


def test_keys_are_every_dotted_key():
    assert keys() == list(DOCUMENTED_DEFAULTS)


def test_config_is_frozen_and_keyword_only():
    config = Config()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        config.trust_drop = 0.5  # type: ignore[misc]
    with pytest.raises(TypeError):
        Config(ReviewIntervals())  # type: ignore[misc]


def test_get_and_interval():
    config = Config()
    assert config.get("review.context") == months(12)
    assert config.get("trust_drop") == pytest.approx(0.1)
    assert config.interval("review.joint_rmp") == months(6)


def test_interval_of_a_threshold_is_refused_with_the_interval_keys():
    with pytest.raises(ConfigError, match="'trust_drop' is not an interval") as info:
        Config().interval("trust_drop")
    assert "review.context" in str(info.value)


def test_get_of_an_unknown_key_lists_the_known_keys():
    with pytest.raises(ConfigError, match=r"unknown config key 'review\.jointrmp'") as info:
        Config().get("review.jointrmp")
    assert "review.joint_rmp" in str(info.value)


@pytest.mark.parametrize("key", ["review", "", "review.", ".context", "Trust_drop", "days"])
def test_get_refuses_what_is_not_a_whole_key(key):
    with pytest.raises(ConfigError, match="unknown config key"):
        Config().get(key)


@given(
    st.dictionaries(
        st.sampled_from([k for k in keys() if isinstance(Config().get(k), CalendarInterval)]),
        intervals(),
        max_size=8,
    )
)
def test_get_reads_the_attribute_each_dotted_key_names(overrides):
    config = Config().with_overrides(overrides)
    for key in keys():
        node = config
        for part in key.split("."):
            node = getattr(node, part)
        assert config.get(key) is node
        assert config.to_mapping()[key] is node


def test_keys_returns_a_fresh_list():
    first = keys()
    first.clear()
    assert keys() == list(DOCUMENTED_DEFAULTS)


def test_fields_accept_interval_text():
    assert Config(ser_review="3 months").ser_review == months(3)  # type: ignore[arg-type]
    assert ReviewIntervals(rmp="2 years").rmp == months(24)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ overrides


def test_with_overrides_replaces_dotted_keys_and_keeps_the_rest():
    base = Config()
    config = base.with_overrides(
        {"review.joint_rmp": months(3), "risk_threshold": 9, "trust_drop": 0.2}
    )
    assert config.review.joint_rmp == months(3)
    assert config.risk_threshold == 9
    assert config.trust_drop == pytest.approx(0.2)
    assert config.review.rmp == base.review.rmp
    assert config.jmt_cadence == base.jmt_cadence
    assert base.review.joint_rmp == months(6)  # the original is unchanged


def test_with_overrides_converts_interval_text():
    config = Config().with_overrides({"review.joint_rmp": "3 months", "ser_review": "1 year"})
    assert config.review.joint_rmp == months(3)
    assert config.ser_review == months(12)


def test_with_overrides_of_nothing_is_equal():
    assert Config().with_overrides({}) == Config()


@pytest.mark.parametrize("key", ["review.jointrmp", "jmt_cadense", "nope", "review.nope.deeper"])
def test_unknown_override_key_is_refused(key):
    with pytest.raises(ConfigError, match="unknown config key"):
        Config().with_overrides({key: months(1)})


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [("review.jointrmp", "review.joint_rmp"), ("jmt_cadense", "jmt_cadence")],
)
def test_unknown_override_key_suggests_the_closest_key(key, suggestion):
    with pytest.raises(ConfigError, match=f"did you mean '{suggestion}'"):
        Config().with_overrides({key: months(1)})


@pytest.mark.parametrize("key", ["ser_review.days", "ser_review.months", "review.rmp.days"])
def test_keys_inside_an_interval_are_not_config_keys(key):
    with pytest.raises(ConfigError, match="unknown config key"):
        Config().with_overrides({key: months(3)})


@pytest.mark.parametrize("value", [1.5, -0.1, 2, True, "0.5", None])
@pytest.mark.parametrize("key", ["awareness_coverage", "action_closure", "trust_drop"])
def test_fractions_out_of_range_or_of_the_wrong_type_are_refused(key, value):
    with pytest.raises(ConfigError, match="fraction between 0 and 1"):
        Config().with_overrides({key: value})
    with pytest.raises(ConfigError, match="fraction between 0 and 1"):
        Config(**{key: value})


@pytest.mark.parametrize("value", [0, 1, 0.5])
def test_fractions_at_the_bounds_are_accepted(value):
    config = Config().with_overrides({"trust_drop": value})
    assert config.trust_drop == value
    assert isinstance(config.trust_drop, float)


@pytest.mark.parametrize("value", [0, 26, 6.0, True, "6"])
def test_risk_threshold_must_be_a_rating_from_1_to_25(value):
    with pytest.raises(ConfigError, match="rating from 1 to 25"):
        Config().with_overrides({"risk_threshold": value})


@pytest.mark.parametrize("value", [1, 25])
def test_risk_threshold_bounds(value):
    assert Config().with_overrides({"risk_threshold": value}).risk_threshold == value


def test_bad_interval_override_is_refused():
    with pytest.raises(ConfigError, match="invalid override"):
        Config().with_overrides({"review.joint_rmp": "soon"})
    with pytest.raises(ConfigError, match="invalid override"):
        Config().with_overrides({"ser_review": 3})


def test_nothing_is_applied_when_one_override_is_bad():
    base = Config()
    with pytest.raises(ConfigError):
        base.with_overrides({"review.joint_rmp": months(2), "trust_drop": 2})
    assert base == Config()


# ------------------------------------------------------------------------------ round trip


def test_to_mapping_round_trips_through_with_overrides():
    config = Config().with_overrides(
        {"review.rmp": "2 months", "trust_drop": 0.3, "risk_threshold": 9}
    )
    assert Config().with_overrides(config.to_mapping()) == config


@given(
    st.dictionaries(
        st.sampled_from([k for k in keys() if isinstance(Config().get(k), CalendarInterval)]),
        intervals(),
        max_size=5,
    ),
    st.floats(0, 1),
    st.integers(1, 25),
)
def test_any_valid_overrides_round_trip(interval_overrides, fraction, threshold):
    overrides = {**interval_overrides, "action_closure": fraction, "risk_threshold": threshold}
    config = Config().with_overrides(overrides)
    mapping = config.to_mapping()
    for key, value in overrides.items():
        assert mapping[key] == value
    assert Config().with_overrides(mapping) == config
