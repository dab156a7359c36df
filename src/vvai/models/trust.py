"""Optional manifest trust: detached ed25519 signatures.

The signature is over the manifest's exact bytes and sits beside it as ``<manifest>.sig``
(base64 text). Keys are PEM files (``vvai model keygen`` writes a pair). When a public key is
configured, a manifest without a valid signature is refused before anything is parsed or
downloaded.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from vvai.common import jsonsafe
from vvai.common.atomic import atomic_write_bytes
from vvai.common.errors import ConfigError, IntegrityError


def generate_keypair(private_path: Path, public_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    priv = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    pub = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    atomic_write_bytes(private_path, priv, perms=0o600)
    atomic_write_bytes(public_path, pub, perms=0o644)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    data = jsonsafe.read_bytes(path, what=f"signing key {path}", max_bytes=64 << 10)  # no FIFO, no folder
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as e:
        raise ConfigError(f"cannot read signing key {path}: {str(e).splitlines()[0][:200]}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"signing key {path} is not an ed25519 key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    data = jsonsafe.read_bytes(path, what=f"public key {path}", max_bytes=64 << 10)  # no FIFO, no folder
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        try:  # raw 32-byte key, base64
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(data.strip(), validate=True))
        except (ValueError, binascii.Error):
            raise ConfigError(f"public key {path} is neither PEM nor base64 ed25519") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError(f"public key {path} is not an ed25519 key")
    return key


def sign(manifest_bytes: bytes, key: Ed25519PrivateKey) -> bytes:
    """The ``.sig`` file content for these exact manifest bytes."""
    return base64.b64encode(key.sign(manifest_bytes)) + b"\n"


def verify(manifest_bytes: bytes, sig_text: bytes | None, key: Ed25519PublicKey, where: str) -> None:
    if sig_text is None:
        raise IntegrityError(f"{where} has no signature ({where}.sig) but a public key is configured",
                             hint="publish it with --sign-key, or remove the public key setting")
    try:
        sig = base64.b64decode(sig_text.strip(), validate=True)
        key.verify(sig, manifest_bytes)
    except (binascii.Error, ValueError, InvalidSignature):
        raise IntegrityError(f"{where}: signature does not match the configured public key",
                             hint="the manifest was altered or signed with another key") from None
