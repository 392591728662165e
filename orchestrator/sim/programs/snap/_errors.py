"""How a ``snap`` command fails: snapd's exit statuses, its error texts and their wrapping."""

# pyright: strict

from __future__ import annotations

import textwrap

_EXIT_RETRYABLE = 10
"""snapd's exit status for an error the client calls retryable: a change conflict (``snap "x"
has "auto-refresh" change in progress``, ``too early for operation, device not yet seeded``).
canonical/snapd ``cmd/snap/main.go`` exitCodeFromError and ``client/client.go`` IsRetryable
@ 2.67.1."""

EXIT_USAGE = 64
"""snapd's exit status (EX_USAGE) for a command line go-flags refuses (an unknown flag, a missing
argument) and for an unknown command: ``cmd/snap/main.go`` exitCodeFromError @ 2.67.1."""


class SnapError(Exception):
    """A snap command failed: ``error: <message>`` and an exit status (1 unless told)."""

    def __init__(self, message: str, code: int = 1, *, filled: bool = True) -> None:
        super().__init__(message)
        self.code = code
        # Only errorToCmdMessage's texts go through fill(); the others print as they are.
        self.filled = filled


NEEDS_CLASSIC = (
    'This revision of snap "{name}" was published using classic confinement and thus may '
    'perform arbitrary system changes outside of the security sandbox that snaps are usually '
    'confined to, which may put your system at risk.\n'
    '\n'
    'If you understand and want to proceed repeat the command including --classic.'
)


def fill_message(message: str, indent: int = 7) -> str:
    """Wrap an error as snapd's fill() does (cmd/snap/error.go @ 2.67.1).

    fill() hands the text to go/doc's ToText at 79 columns less ``indent`` (72 under the
    ``error: `` prefix, 70 under ``Warning: ``) and
    indents every line after the first under the prefix. ToText reads the text as blocks:
    paragraphs (consecutive lines, joined and rewrapped), and code blocks (indented lines,
    kept as they are less their common indentation), with a blank line between blocks.
    """
    blocks: list[list[str]] = []
    kinds: list[str] = []
    for line in message.strip().split('\n'):
        kind = 'blank' if not line.strip() else 'code' if line.startswith((' ', '\t')) else 'text'
        if kind == 'blank':
            if kinds and kinds[-1] != 'blank':
                blocks.append([])
                kinds.append('blank')
            continue
        if not kinds or kinds[-1] != kind:
            blocks.append([])
            kinds.append(kind)
        blocks[-1].append(line)
    out: list[str] = []
    for kind, lines in zip(kinds, blocks, strict=True):
        if kind == 'text':
            out.append('\n'.join(textwrap.wrap(' '.join(lines), 79 - indent)))
        elif kind == 'code':
            out.append(textwrap.dedent('\n'.join(lines)))
    text = '\n\n'.join(out)
    pad = ' ' * indent
    return text.replace('\n', f'\n{pad}').replace(f'\n{pad}\n', '\n\n')
