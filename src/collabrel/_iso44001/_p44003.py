"""The ISO 44003 small-firm profile: a proportionate selection of the built-in rules.

ISO 44003 applies the twelve principles of ISO/TR 44000 to micro, small and medium-sized
enterprises and asks for what each principle needs, in proportion to the firm (catalog §7.1).
A firm with one collaborative relationship, or a few, keeps every requirement on what it
does; what it may leave out is the machinery of a portfolio and of a large document set. Each
omission is an exclusion of the rule set with the principle that justifies it, so every
report lists it beside the findings (as a statement of applicability does). Documents may
also be combined: several artefacts may name the same controlled document (``document_id``),
which no rule forbids.

The grouping follows the catalog's §7.1 mapping of the principles to clauses; the wording of
the justifications is ours.
"""

from __future__ import annotations

from collabrel.rules._ruleset import RuleSet

__all__ = ["SMALL_FIRM_OMISSIONS", "small_firm_profile"]

SMALL_FIRM_OMISSIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        (
            "ISO 44003 small-firm profile, principle 1 (relationship management): a firm with one "
            "collaborative relationship, or a few, has no portfolio to segment; whether to "
            "collaborate is decided case by case in the business case (8.3.2) and its evaluation "
            "(8.3.7), which stay required."
        ),
        (
            "iso44001:6.3.1/criteria",
            "iso44001:6.3.1/current",
            "iso44001:6.3.1/segmented",
            "iso44001:8.2.6/prioritised",
            "iso44001:8.2.6/collaborative",
        ),
    ),
    (
        (
            "ISO 44003 small-firm profile, principle 5 (governance and processes): the firm's one "
            "governance structure (5.3.2, still required) governs its relationships directly; no "
            "operational structure is derived from it for each relationship."
        ),
        ("iso44001:8.2.3/structure", "iso44001:8.2.3/validated"),
    ),
    (
        (
            "ISO 44003 small-firm profile, principle 4 (collaborative leadership): where the owner "
            "or managing director is top management and the senior executive responsible, "
            "performance reaches top management in the management review itself (9.3, still "
            "required), not in separate reports."
        ),
        ("iso44001:5.3.1/reporting",),
    ),
    (
        (
            "ISO 44003 small-firm profile, proportionate documented information: documents may be "
            "kept in any controlled form, and several artefacts may share one document; a register "
            "giving each document its author, approval, classification, retention, access list and "
            "change log is not needed. The approval of the policy, plans and agreements is still "
            "checked on the artefacts themselves."
        ),
        ("iso44001:7.5.1/register", "iso44001:7.5.2/approved", "iso44001:7.5.3/controlled"),
    ),
    (
        (
            "ISO 44003 small-firm profile, principle 11 (relationship measurement and "
            "optimization): internal audits cannot sample relationships in both halves of the "
            "lifecycle when the firm has one relationship; the audit programme and its coverage of "
            "clauses 4-10 (9.2) stay required."
        ),
        ("iso44001:9.2/sampling",),
    ),
)
"""What a small firm may leave out: (justification, rule ids) by ISO 44003 principle."""


def small_firm_profile(ruleset: RuleSet) -> RuleSet:
    """Return *ruleset* without the rules a small firm may omit, each with its justification.

    Rules already left out of *ruleset* are skipped, so the profile applies to a set derived
    from the built-in one as well.
    """
    for justification, ids in SMALL_FIRM_OMISSIONS:
        present = [i for i in ids if i in ruleset]
        if present:
            ruleset = ruleset.without(present, justification=justification)
    return ruleset
