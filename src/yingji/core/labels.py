"""The marker that puts a pure module's Chinese labels into the interface's catalog, without Django.

Pure rule modules (a standard's table, a state machine) import nothing of Django, so they cannot call
gettext; they write `gettext_noop("重大")`, which `makemessages` finds, and the page that shows the
label translates it (`gettext(label)`, `{% translate label %}`, `gettext_lazy` in choices).
"""

from __future__ import annotations


def gettext_noop(text: str) -> str:
    """Marks `text` for the catalog and returns it unchanged."""
    return text
