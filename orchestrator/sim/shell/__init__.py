"""A command line run on a simulated machine, for ``olm exec`` (Juju's ``juju exec``).

``juju exec --unit X -- COMMAND...`` has the unit's machine run a command line with
``/bin/sh -c``. A simulated machine (:class:`~orchestrator.sim.SimHost`) has no shell, and nothing
here may ever run on the real machine, so :func:`run_command_line` interprets the small part of
POSIX sh such command lines use, over the simulated machine's files, identity and emulated
programs, and answers with dash's and GNU coreutils' texts and exit statuses:

- words split and quoted as sh does (``'...'``, ``"..."``, backslash), and ``#`` comments;
- lists ``a; b``, ``a && b``, ``a || b`` (and newlines) and pipelines ``a | b``;
- commands over the machine: ``echo``, ``true``, ``false``, ``:``, ``cat``, ``ls``,
  ``hostname``, ``test``/``[``, ``grep``, ``head``, ``wc -l``, ``sleep``, ``mkdir``,
  ``touch``, ``rm``;
- any other program runs through :meth:`SimHost.call <orchestrator.sim.SimHost.call>`: the
  emulated ``snap``, ``k8s``, ``microceph``, ``systemctl`` ... answer, with the World's faults
  applied, and a program the machine lacks gives dash's ``sh: 1: NAME: not found`` (127).

Everything else a shell does (expansions, assignments, redirections, globbing, subshells,
compound commands, its other builtins, relative paths, since a simulated machine has no working
directory) fails with exit status 2 and ``sh: 1: unsupported on a simulated machine: ...``, so
the simulation's limits are never mistaken for the machine's answer. The whole command line is
read before anything runs, so an unsupported construct anywhere runs nothing at all.

The package's modules: reading the line (``_syntax``), running it (``_run``), what a command is
given (``_call``), dash's builtins (``_builtins``) and the coreutils-like commands
(``_coreutils``, with grep's patterns in ``_regex``).
"""

# pyright: strict

from __future__ import annotations

from ._run import ExtraProgram, ShellResult, run_command_line

__all__ = ['ExtraProgram', 'ShellResult', 'run_command_line']
