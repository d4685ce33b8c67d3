"""What a new key pair is made of: sizes, validity and the certificate's subject.

Apart from the code that makes keys, so the window can build its form
without loading cryptography.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sfjwt_gui.engine.errors import UsageError

if TYPE_CHECKING:
    from cryptography import x509

KEY_SIZES: tuple[int, ...] = (2048, 3072, 4096)
DEFAULT_DAYS = 365
MAX_DAYS = 36500


@dataclass(frozen=True)
class Subject:
    """The distinguished name written into a self-signed certificate."""

    common_name: str
    organization: str = ""
    organizational_unit: str = ""
    locality: str = ""
    state: str = ""
    country: str = ""
    email: str = ""

    def to_x509_name(self) -> x509.Name:
        """The name with only the fields that are filled in; CN is required."""
        from cryptography import x509
        from cryptography.x509.oid import NameOID

        if not self.common_name.strip():
            raise UsageError(
                "The certificate needs a common name (CN).",
                fix="Enter a common name, for example the integration's name.",
            )

        country = self.country.strip().upper()
        if country and not (
            len(country) == 2 and country.isascii() and country.isalpha()
        ):
            raise UsageError(
                f"The country {self.country.strip()!r} is not a two-letter code.",
                fix="Enter a two-letter country code such as US, or leave it empty.",
            )

        fields = (
            ("country", NameOID.COUNTRY_NAME, country),
            ("state", NameOID.STATE_OR_PROVINCE_NAME, self.state),
            ("locality", NameOID.LOCALITY_NAME, self.locality),
            ("organization", NameOID.ORGANIZATION_NAME, self.organization),
            (
                "organizational unit",
                NameOID.ORGANIZATIONAL_UNIT_NAME,
                self.organizational_unit,
            ),
            ("common name", NameOID.COMMON_NAME, self.common_name),
            ("email", NameOID.EMAIL_ADDRESS, self.email),
        )
        attributes = []
        for label, oid, raw_value in fields:
            value = raw_value.strip()
            if not value:
                continue
            try:
                attributes.append(x509.NameAttribute(oid, value))
            except ValueError as exc:
                raise UsageError(
                    f"The certificate's {label} cannot be used: {exc}.",
                    fix=f"Shorten or correct the {label}.",
                ) from exc
        return x509.Name(attributes)


@dataclass(frozen=True)
class WrittenFiles:
    """Where the key and the certificate were written."""

    key_path: Path
    cert_path: Path
