"""How a hook tool fails, in the two ways Juju's command runner tells apart.

juju/cmd ``cmd.go`` ``Main`` (tag v3.1.1, commit 0458506994; the runner juju/juju's jujuc
server calls, ``internal/worker/uniter/runner/jujuc/server.go`` ``Jujuc.Main``) runs a command
in three steps: flag parsing, ``Init`` (the positional arguments), ``Run``. A failure in the
first two goes through ``handleCommandError``: ``ERROR <message>`` on stderr and exit status
2; a failure of ``Run`` prints the same line and exits 1. ``-h``/``--help`` when the command
defines no such flag is gnuflag's ``ErrHelp``: the help on stdout, status 0.
"""

# pyright: strict

from __future__ import annotations


class UsageError(Exception):
    """A flag or positional-argument error (gnuflag's parse or the command's ``Init``): exit 2."""


class ToolError(Exception):
    """An error of the command's ``Run``: exit 1."""


class HelpRequested(Exception):  # noqa: N818 -- gnuflag's ErrHelp is no error either
    """``-h``/``--help`` on a command that does not define it: gnuflag's ``ErrHelp``, exit 0."""
