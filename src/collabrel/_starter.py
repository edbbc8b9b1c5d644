"""The starter portfolio ``collabrel init`` writes: one organization, one relationship.

Every key a file must have is there, with the few a first assessment needs around it (people,
the scope, the senior executives responsible, the parties, the stage), each with a comment on
what goes there in the YAML version. The JSON version holds the same data (JSON has no
comments; ``collabrel schema`` gives editors the description of every field).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

__all__ = ["starter", "starter_data"]

_YAML = """\
# A starter portfolio for collabrel. Replace the example values, keep the keys.
# Check it with `collabrel validate {name}` and assess it with `collabrel assess {name}`.
# Field reference: the documentation's "Portfolio file" page, or `collabrel schema` for a JSON
# Schema your editor can use (VS Code YAML: add a `# yaml-language-server: $schema=...` line).
# Dates are YYYY-MM-DD; ids are short texts you choose, unique across the file.

organization:
  id: acme                          # required: your organization's id (also its party id below)
  name: Acme Engineering Ltd        # required: its name
  people:                           # the people the file refers to by id (SERs, approvers, owners)
    - id: p-ceo                     # required for each person: an id...
      name: Alex Example            # ...and a name
      title: Chief Executive Officer
    - id: p-rm
      name: Sam Example
      title: Relationship Manager
  top_management: [p-ceo]           # person ids of top management (5.1)
  sers:                             # corporate senior executive responsible (5.3.3)
    - person: p-ceo                 # required for each SER: a person id
      appointed_on: {today}
  scope:                            # the scope of the CBRMS (4.3)
    application_level: individual_relationship   # single_application, individual_relationship,
                                                 # multiple_relationships or organization_wide
    relationships_in_scope: [rel-first]          # relationship ids the CBRMS covers
    exclusions: []                  # requirements left out: {{requirement: ID, justification: WHY}}

relationships:
  - id: rel-first                   # required: the relationship's id
    name: First collaborative relationship   # required: its name
    form: partnership               # one_to_one, alliance, partnership, joint_venture, ...
    intensity: collaborative        # transactional, cooperative, collaborative or strategic
    direction: supplier             # customer, supplier, internal or external_peer
    stage: operational_awareness    # where it is: candidate, operational_awareness (1) ... exit (8)
    parties:                        # every party, your organization included (same id as above)
      - id: acme
        name: Acme Engineering Ltd
      - id: partner                 # the partner's party id
        name: Partner Ltd
        contacts:                   # the partner's people the file refers to
          - id: p-partner-lead
            name: Jo Partner
    stage_history:                  # every stage entered, oldest first
      - stage: operational_awareness
        entered_on: {today}
        approved_by: p-ceo          # who approved entering the stage (a person id)
    sers:                           # the relationship's SER, one per party (8.2.2)
      - person: p-rm
        party: acme
        appointed_on: {today}
"""


def starter_data(today: date) -> dict[str, Any]:
    """The starter portfolio as plain data (what the YAML version says, without comments)."""
    iso = today.isoformat()
    return {
        "organization": {
            "id": "acme",
            "name": "Acme Engineering Ltd",
            "people": [
                {"id": "p-ceo", "name": "Alex Example", "title": "Chief Executive Officer"},
                {"id": "p-rm", "name": "Sam Example", "title": "Relationship Manager"},
            ],
            "top_management": ["p-ceo"],
            "sers": [{"person": "p-ceo", "appointed_on": iso}],
            "scope": {
                "application_level": "individual_relationship",
                "relationships_in_scope": ["rel-first"],
                "exclusions": [],
            },
        },
        "relationships": [
            {
                "id": "rel-first",
                "name": "First collaborative relationship",
                "form": "partnership",
                "intensity": "collaborative",
                "direction": "supplier",
                "stage": "operational_awareness",
                "parties": [
                    {"id": "acme", "name": "Acme Engineering Ltd"},
                    {
                        "id": "partner",
                        "name": "Partner Ltd",
                        "contacts": [{"id": "p-partner-lead", "name": "Jo Partner"}],
                    },
                ],
                "stage_history": [
                    {"stage": "operational_awareness", "entered_on": iso, "approved_by": "p-ceo"}
                ],
                "sers": [{"person": "p-rm", "party": "acme", "appointed_on": iso}],
            }
        ],
    }


def starter(fmt: str, *, today: date | None = None, name: str = "portfolio.yaml") -> str:
    """The starter portfolio as YAML (with comments) or JSON text."""
    day = today or date.today()  # noqa: DTZ011 - the user's calendar day
    if fmt == "json":
        return json.dumps(starter_data(day), indent=2) + "\n"
    return _YAML.format(today=day.isoformat(), name=name)
