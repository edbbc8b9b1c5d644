"""The domain model: frozen, slotted, keyword-only attrs classes (re-exported by collabrel)."""

from collabrel._model._artefacts import *  # noqa: F403
from collabrel._model._artefacts import __all__ as _artefacts
from collabrel._model._common import *  # noqa: F403
from collabrel._model._common import __all__ as _common
from collabrel._model._organization import *  # noqa: F403
from collabrel._model._organization import __all__ as _organization
from collabrel._model._portfolio import *  # noqa: F403
from collabrel._model._portfolio import __all__ as _portfolio
from collabrel._model._relationship import *  # noqa: F403
from collabrel._model._relationship import __all__ as _relationship

__all__ = sorted([*_artefacts, *_common, *_organization, *_portfolio, *_relationship])  # noqa: PLE0605
