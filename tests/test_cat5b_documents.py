"""Document control checks (7.5.2, 7.5.3) against a plain reading of the requirement.

The checks in ``collabrel._iso44001._documents`` are written for speed (loops that word a
message only when something is wrong); each test here compares them, on generated
artefacts and register entries, with the straightforward computation: the same verdict,
the same reasons in the same order, the same path.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from collabrel import Agreement, Document, DocumentChange, ExitStrategy, Signoff, Stage, StageRecord
from collabrel._iso44001._builder import listed
from collabrel._iso44001._documents import _retrofit_stage, history_complete, register_agrees
from collabrel.rules import unmet

_DAY = date(2025, 1, 1)
_days = st.integers(0, 40).map(lambda n: _DAY + timedelta(days=n))
_versions = st.integers(1, 5)
_parties = st.sampled_from(["p1", "p2", "p3"])
_signoff = st.builds(Signoff, party=_parties, signed_on=_days, version=_versions)
_signoffs = st.lists(_signoff, max_size=4).map(tuple)
_change = st.builds(DocumentChange, version=_versions, changed_on=_days)
_changes = st.lists(_change, max_size=5).map(tuple)
_people = st.sampled_from([None, "ann", "bob"])


@st.composite
def _document(draw: Any, doc_id: str) -> Document:
    return Document(
        id=doc_id,
        title="a document",
        doc_type="agreement",
        version=draw(_versions),
        approved_by=draw(_people),
        approved_on=draw(st.none() | _days),
        change_log=draw(_changes),
        agreed_by=draw(_signoffs),
    )


_doc_ids = st.sampled_from([None, "D1", "D2", "D9"])  # D9 is not in the register
_agreements = st.builds(
    Agreement, title=st.just("agreement"), document_id=_doc_ids, version=_versions,
    agreed_by=_signoffs, versions=_changes,
)  # fmt: skip
_strategies = st.builds(
    ExitStrategy, id=st.just("X1"), document_id=_doc_ids, version=_versions,
    agreed_by=_signoffs, versions=_changes,
)  # fmt: skip
_registers = st.tuples(_document("D1"), _document("D2"))


# --------------------------------------------- the straightforward computations, for reference


def _signed(item: Any) -> dict[str, Any]:
    version = getattr(item, "version", None)
    return {
        s.party: s.signed_on
        for s in getattr(item, "agreed_by", ())
        if version is None or s.version == version
    }


def _plain_disagreements(label: str, item: Any, doc: Any) -> list[str]:
    doc_signed = _signed(doc)
    doc_history = {(c.version, c.changed_on) for c in doc.change_log}
    out = []
    version = getattr(item, "version", None)
    if version is not None and version != doc.version:
        out.append(f"{label} is at version {version}, its register entry {doc.id} at {doc.version}")
    for name in ("approved_by", "approved_on"):
        mine, theirs = getattr(item, name, None), getattr(doc, name)
        if mine is not None and theirs is not None and mine != theirs:
            out.append(f"{label}.{name} is {mine}, {doc.id}.{name} is {theirs}")
    mine_signed = _signed(item) if doc_signed else None
    if mine_signed and mine_signed != doc_signed:
        both = sorted(mine_signed.keys() | doc_signed.keys())
        diffs = [
            f"{p}: {mine_signed.get(p, 'unsigned')} vs {doc_signed.get(p, 'unsigned')}"
            for p in both
            if mine_signed.get(p) != doc_signed.get(p)
        ]
        out.append(f"{label} and {doc.id} record different sign-offs ({listed(diffs)})")
    versions = getattr(item, "versions", ()) if doc_history else ()
    if versions:
        mine_history = {(c.version, c.changed_on) for c in versions}
        if mine_history != doc_history:
            odd = sorted(mine_history.symmetric_difference(doc_history))
            shown = listed(f"version {v} of {d.isoformat()}" for v, d in odd)
            out.append(f"{label} and {doc.id} record different version histories ({shown})")
    return out


def _plain_history(label: str, item: Any) -> list[str]:
    out = []
    current = int(item.version)
    taken_effect = {c.version: c.changed_on for c in item.versions}
    missing = [v for v in range(2, current + 1) if v not in taken_effect]
    if missing:
        out.append(
            f"{label} is at version {current} but its history lacks version {listed(missing)}"
        )
    ahead = sorted(v for v in taken_effect if v > current)
    if ahead:
        out.append(
            f"{label} records history for version {listed(ahead)}, after its version {current}"
        )
    for s in getattr(item, "agreed_by", ()):
        if s.version > current:
            out.append(f"{label}: {s.party} signed version {s.version}, which does not exist")
        elif s.version in taken_effect and s.signed_on < taken_effect[s.version]:
            out.append(
                f"{label}: {s.party} signed version {s.version} on {s.signed_on.isoformat()}, "
                f"before it took effect on {taken_effect[s.version].isoformat()}"
            )
    return out


def _outcome(problems: list[tuple[str, str]]) -> Any:
    if not problems:
        return True
    return unmet("; ".join(p for _, p in problems), path=problems[0][0])


# ------------------------------------------------------------------------------------ tests

_LABELS = ("working.agreement", "exit_strategy")


@st.composite
def _near(draw: Any, make: Any, documents: tuple[Document, ...]) -> Any:
    """An artefact that copies its register entry (version, sign-offs, history) or not."""
    doc = draw(st.sampled_from(documents))
    copied = st.booleans()
    return make(
        document_id=draw(_doc_ids | st.just(doc.id)),
        version=doc.version if draw(copied) else draw(_versions),
        agreed_by=doc.agreed_by if draw(copied) else draw(_signoffs),
        versions=doc.change_log if draw(copied) else draw(_changes),
    )


def _agreement(**fields: Any) -> Agreement:
    return Agreement(title="agreement", **fields)


def _exit_strategy(**fields: Any) -> ExitStrategy:
    return ExitStrategy(id="X1", **fields)


@given(st.data(), _registers)
def test_register_agreement_is_the_plain_comparison(data, documents):
    agreement = data.draw(st.none() | _agreements | _near(_agreement, documents))
    strategy = data.draw(st.none() | _strategies | _near(_exit_strategy, documents))
    by_id = {d.id: d for d in documents}
    problems = [
        (label, p)
        for label, item in zip(_LABELS, (agreement, strategy), strict=True)
        if item is not None and (item.document_id or "") in by_id
        for p in _plain_disagreements(label, item, by_id[item.document_id])
    ]
    check = register_agrees("register_agrees_test", _LABELS)
    assert check(agreement, strategy, documents) == _outcome(problems)
    assert check(agreement, strategy, None) is None


@given(st.none() | _agreements, st.none() | _strategies)
def test_history_check_is_the_plain_reading(agreement, strategy):
    problems = [
        (label, p)
        for label, item in zip(_LABELS, (agreement, strategy), strict=True)
        if item is not None
        for p in _plain_history(label, item)
    ]
    assert history_complete(_LABELS)(agreement, strategy) == _outcome(problems)


def test_each_kind_of_history_problem_is_named():
    agreement = Agreement(
        title="agreement",
        version=3,
        versions=(DocumentChange(version=4, changed_on=_DAY),
                  DocumentChange(version=2, changed_on=_DAY + timedelta(days=5))),
        agreed_by=(Signoff(party="p1", signed_on=_DAY, version=2),
                   Signoff(party="p2", signed_on=_DAY, version=5)),
    )  # fmt: skip
    result = history_complete(("working.agreement",))(agreement)
    assert result == unmet(
        "working.agreement is at version 3 but its history lacks version 3; "
        "working.agreement records history for version 4, after its version 3; "
        "working.agreement: p1 signed version 2 on 2025-01-01, before it took effect on "
        "2025-01-06; working.agreement: p2 signed version 5, which does not exist",
        path="working.agreement",
    )


_records = st.lists(
    st.builds(StageRecord, stage=st.sampled_from(list(Stage)), entered_on=_days,
              retrofit=st.booleans()),
    max_size=6,
)  # fmt: skip


@given(_records)
def test_the_retrofit_entry_is_the_earliest_into_stages_1_to_8(history):
    entries = [r for r in history if r.retrofit and r.stage.number is not None]
    assert _retrofit_stage(history) is min(entries, key=lambda r: r.entered_on, default=None)
