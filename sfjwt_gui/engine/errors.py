"""Errors the engine raises on purpose.

Every message is written for the person using the app: it names the problem and
the fix. No message ever carries a private key, a passphrase, an assertion's
signature or an access token, so any of them may be logged or shown as they are.
"""

from __future__ import annotations


class SfjwtError(Exception):
    """Base of every error the engine raises on purpose.

    ``code`` is a stable identifier; where one exists it is the code of the
    matching finding in the diagnosis catalog, so callers can turn the error
    into a finding without parsing text.
    """

    default_code = "error"

    def __init__(self, message: str, *, code: str | None = None, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.fix = fix

    def __str__(self) -> str:
        if self.fix:
            return f"{self.message} {self.fix}"
        return self.message


class KeyFileError(SfjwtError):
    """A key, certificate or PKCS#12 file cannot be used as asked."""

    default_code = "key_unreadable"


class OutputExistsError(SfjwtError):
    """Writing would replace a file the user did not ask to replace."""

    default_code = "output_exists"


class LoginUrlError(SfjwtError):
    """A login URL that cannot be used to reach a token endpoint."""

    default_code = "login_url_invalid"


class JwtFormatError(SfjwtError):
    """Text that is not a compact JWT (header.payload.signature)."""

    default_code = "jwt_malformed"


class ProfileError(SfjwtError):
    """A profile cannot be read, written, found or created."""

    default_code = "profile_error"


class UsageError(SfjwtError):
    """Inputs that do not make sense together (a usage mistake, exit status 2)."""

    default_code = "usage"
