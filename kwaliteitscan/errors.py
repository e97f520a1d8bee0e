"""One exception hierarchy. The library raises; only the CLI prints and exits.

Each class carries the exit code the CLI uses for it, and its message is the one line a
user sees: it names the file and says what to do.
"""

from __future__ import annotations


class KwaliteitscanError(Exception):
    """Base class: a problem the user can act on."""

    exit_code = 1

    def __init__(self, message: str, details: list[str] | tuple[str, ...] = ()):
        super().__init__(message)
        self.message = message
        #: lines that go before the message, one per problem found (e.g. each bad row of a spreadsheet)
        self.details = tuple(details)

    def __str__(self) -> str:
        return self.message


class UsageError(KwaliteitscanError):
    """The command was called the wrong way."""

    exit_code = 2


class InputError(KwaliteitscanError):
    """An input file (PDF, manifest, spreadsheet) cannot be used."""

    exit_code = 3


class CodebookError(KwaliteitscanError):
    """The codebook is invalid."""

    exit_code = 4


class ProjectError(KwaliteitscanError):
    """The SQLite project cannot be opened or is damaged."""

    exit_code = 5


class ModelError(KwaliteitscanError):
    """The NLP pipeline cannot be loaded."""

    exit_code = 6


#: exit code of a batch in which some files failed and the others were processed
PARTIAL_FAILURE = 10
#: exit code of `audit` when the file hardly speaks of internships or discrimination: the audit is
#: written, with a warning that the file may not be a kwaliteitsagenda
NOT_AN_AGENDA = 11
