"""The tallies of the organization rules that read every relationship (4.3, 7.5.4, 9.2).

Each tally says what one relationship contributes; these tests hold them to the plain
reading of the rule, for every stage and every relationship of the example.
"""

from __future__ import annotations

import attrs
import pytest

from collabrel import Stage, example_portfolio
from collabrel._iso44001._c4_context import _in_lifecycle
from collabrel._iso44001._c7_support import _KEY_ROLES, _key_people
from collabrel._iso44001._c9_c10_evaluation import _lifecycle_stage

_RELATIONSHIPS = example_portfolio().relationships


@pytest.mark.parametrize("stage", list(Stage))
def test_the_lifecycle_tallies_count_stages_1_to_8_only(stage):
    rel = attrs.evolve(_RELATIONSHIPS[0], stage=stage)
    in_lifecycle = stage.number is not None
    assert _in_lifecycle(rel) == ((rel.id,) if in_lifecycle else ())
    assert _lifecycle_stage(rel) == ((stage.number,) if in_lifecycle else ())


@pytest.mark.parametrize("rel", _RELATIONSHIPS, ids=lambda r: r.id)
def test_key_people_are_key_role_holders_and_active_sers(rel):
    key = {t.person for t in rel.team if t.role in _KEY_ROLES}
    assert _key_people(rel) == key | {s.person for s in rel.sers if s.active}
