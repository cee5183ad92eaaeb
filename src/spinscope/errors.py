"""Errors a user can act on: front ends print the message, never a traceback."""


class SpinscopeError(Exception):
    """Base class for every error spinscope reports to users."""


class InputError(SpinscopeError):
    """The input cannot be analysed (empty, binary, missing, too large, unreachable…)."""
