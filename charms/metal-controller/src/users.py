"""MAAS user names and e-mail addresses, checked as MAAS's own user form checks them.

``maas createadmin`` checks neither: it saves through Django's ``create_superuser``, which runs
no validator, so ``root;rm -rf /`` becomes a MAAS administrator and only the database columns'
lengths (150, 254) stop anything, with a traceback. MAAS's web UI and API create users
through ``NewUserCreationForm`` (canonical/maas 3.6 ``src/maasserver/forms/__init__.py``), a
Django ``UserCreationForm``: the user name must pass Django's ``UnicodeUsernameValidator`` and
fit the model's 150 characters (``django/contrib/auth/validators.py``, ``models.py`` in Django
4.2, the ``python3-django`` of Ubuntu 24.04 that the 3.6 snap stages), and the e-mail address
Django's ``EmailValidator`` within the form's 75 characters (``django/core/validators.py``).
The ``create-admin`` action holds its parameters to that form, so that it creates no
administrator MAAS's own UI would refuse, and fails before running anything on the machine.
The messages are Django's texts for those rules. See ``orchestrator/sim/conformance/maas.md``.

What is not checked as Django does: quoted local parts (``"a b"@example.com``), which
Django's e-mail validator takes and this module refuses.
"""

# pyright: strict

from __future__ import annotations

import ipaddress
import re

__all__ = ['EMAIL_LENGTH', 'USERNAME_LENGTH', 'ParamError', 'check_email', 'check_username']

USERNAME_LENGTH = 150
"""Django's ``AbstractUser.username``: ``max_length=150``."""
EMAIL_LENGTH = 75
"""MAAS's ``NewUserCreationForm.email``: ``EmailField(max_length=75)``."""
SHOWN = 40
"""How much of a refused value a message repeats."""

_USERNAME = re.compile(r'[\w.@+-]+')
"""Letters, digits (Unicode ones too, as Python's ``\\w`` on text) and ``@ . + - _``."""
_ATOM = r"[-!#$%&'*+/=?^_`{}|~0-9A-Za-z]+"
_LOCAL_PART = re.compile(rf'{_ATOM}(?:\.{_ATOM})*')
"""An RFC 5322 dot-atom: what Django takes before the ``@`` (bar quoted strings)."""
_DOMAIN = re.compile(
    r'(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9-]{2,63}(?<!-)'
)
"""Dot-separated labels of at most 63 characters and a top-level label of two or more."""
_LITERAL = re.compile(r'\[([A-Fa-f0-9:.]+)\]')
"""An address literal, ``[192.0.2.1]`` or ``[2001:db8::1]``."""
INVALID_USERNAME = (
    'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ '
    'characters.'
)
"""Django's ``UnicodeUsernameValidator.message``."""
INVALID_EMAIL = 'Enter a valid email address.'
"""Django's ``EmailValidator.message``."""
REQUIRED = 'This field is required.'
"""Django's ``Field.default_error_messages['required']``."""


class ParamError(ValueError):
    """An action parameter MAAS's user form would refuse; the message names it and why."""

    def __init__(self, param: str, value: str, reason: str) -> None:
        super().__init__(f'{param} {_shown(value)} is refused: {reason}')
        self.param = param


def check_username(value: str) -> None:
    """Refuse a user name MAAS's user form refuses.

    Raises:
        ParamError: empty, longer than 150 characters, or with other characters than
            letters, digits and ``@ . + - _``.
    """
    if not value:
        raise ParamError('username', value, REQUIRED)
    if len(value) > USERNAME_LENGTH:
        raise ParamError('username', value, _too_long(value, USERNAME_LENGTH))
    if not _USERNAME.fullmatch(value):
        raise ParamError('username', value, INVALID_USERNAME)


def check_email(value: str) -> None:
    """Refuse an e-mail address MAAS's user form refuses.

    ``localhost`` is a valid domain (Django's allow-list), so is an address literal and an
    internationalised domain in its IDNA form.

    Raises:
        ParamError: empty, longer than 75 characters, or not ``local-part@domain``.
    """
    if not value:
        raise ParamError('email', value, REQUIRED)
    if len(value) > EMAIL_LENGTH:
        raise ParamError('email', value, _too_long(value, EMAIL_LENGTH))
    local, at, domain = value.rpartition('@')
    if not at or not _LOCAL_PART.fullmatch(local) or not _valid_domain(domain):
        raise ParamError('email', value, INVALID_EMAIL)


def _valid_domain(domain: str) -> bool:
    if domain == 'localhost' or _DOMAIN.fullmatch(domain):
        return True
    literal = _LITERAL.fullmatch(domain)
    if literal is not None:
        try:
            ipaddress.ip_address(literal[1])
        except ValueError:
            return False
        return True
    try:
        ascii_form = domain.encode('idna').decode('ascii')
    except UnicodeError:
        return False
    return ascii_form != domain and _DOMAIN.fullmatch(ascii_form) is not None


def _too_long(value: str, limit: int) -> str:
    """Django's ``MaxLengthValidator`` text."""
    return f'Ensure this value has at most {limit} characters (it has {len(value)}).'


def _shown(value: str) -> str:
    """``value`` quoted for a message, cut after :data:`SHOWN` characters."""
    return repr(value if len(value) <= SHOWN else value[:SHOWN] + '...')
