"""Errors the user can fix by changing an input: stages print their message as one line (no
traceback) and exit with status 2."""


class UserError(Exception):
    """A problem with params, the dataset or another input; the message says what to change."""
