"""The catalogue's indexes over immutable collections (collabrel._iso44001._indexes)."""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from collabrel._iso44001._indexes import ByIdentity, first_by, grouped_by


def test_a_collection_is_indexed_once_while_it_is_remembered():
    built = []
    index = ByIdentity(lambda items: built.append(items) or len(items), size=2)
    first, second, third = (1, 2), (3,), (4, 5, 6)
    assert index(first) == 2
    assert index(first) == 2
    assert built == [first]
    assert index(second) == 1
    assert index(third) == 3  # past the size: remembered ones are dropped, results stay right
    assert index(first) == 2
    assert index(third) == 3


def test_an_equal_collection_of_another_identity_is_indexed_on_its_own():
    index = grouped_by("person")
    a = (SimpleNamespace(person="p1", n=1),)
    b = (SimpleNamespace(person="p1", n=2),)
    assert index(a)["p1"][0].n == 1
    assert index(b)["p1"][0].n == 2


_ITEMS = st.lists(
    st.builds(SimpleNamespace, key=st.sampled_from("abc"), n=st.integers(0, 9)), max_size=12
).map(tuple)


@given(st.lists(_ITEMS, min_size=1, max_size=8), st.sampled_from("abcd"))
def test_indexes_agree_with_a_scan(collections, key):
    groups, firsts = grouped_by("key"), first_by("key")
    for items in collections * 2:  # again, now from the cache where still remembered
        assert groups(items).get(key, []) == [i for i in items if i.key == key]
        assert firsts(items).get(key) == next((i for i in items if i.key == key), None)
