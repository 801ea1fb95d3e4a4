"""Key shapes masked even when nobody registered them: JWTs, PEM private keys (whole, cut
short, inside a GCP service-account JSON), Stripe, Azure and Google Cloud keys. Text that only
looks near them (hashes, prose, public keys) is left alone."""
from __future__ import annotations

import json

import pytest

from evalkit.redact import MASK, redact

JWT = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ."
       "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
PEM_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7" * 3
PEM = f"-----BEGIN PRIVATE KEY-----\n{PEM_BODY}\n{PEM_BODY}\n-----END PRIVATE KEY-----"
RSA = PEM.replace("PRIVATE KEY", "RSA PRIVATE KEY")
SECRETS = {
    "jwt": JWT,
    "pem": PEM,
    "rsa pem": RSA,
    "openssh": PEM.replace("PRIVATE KEY", "OPENSSH PRIVATE KEY"),
    "stripe secret": "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
    "stripe test": "sk_test_" + "51H8xYzAbCdEfGhIjKlMnOp",
    "stripe restricted": "rk_live_" + "51H8xYzAbCdEfGhIjKlMnOp",
    "stripe webhook": "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "azure storage": "AccountKey=" + "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsu"
                     "Fq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    "azure bus": "SharedAccessKey=" + "2hJ0mA8pTz0lB6rYy3cDq4eF5gH6iJ7kL8mN9oP0qR1=",
    "azure entra": "abc8Q~" + "Zx1.yW2_vU3~tS4-rQ5pO6nM7lK8jI9hG0",
    "gcp oauth": "ya29." + "a0AfH6SMBx3kL9mN2pQ4rS6tU8vW0xY",
}


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_each_shape_is_masked_in_running_text(name):
    secret = SECRETS[name]
    masked = redact(f"before {secret} after")
    assert secret not in masked and MASK in masked, masked
    assert masked.startswith("before ") and masked.endswith(" after") or name in (
        "pem", "rsa pem", "openssh")  # a PEM block runs to its END line


def test_a_pem_key_cut_short_is_masked_to_the_end_of_its_base64():
    cut = PEM.split("-----END")[0][:200]
    assert PEM_BODY[:40] not in redact(f"the key: {cut}")


def test_a_gcp_service_account_json_loses_its_key_and_key_id():
    account = json.dumps({"type": "service_account", "project_id": "demo",
                          "private_key_id": "0123456789abcdef0123456789abcdef01234567",
                          "private_key": PEM + "\n", "client_email": "x@demo.iam"})
    masked = redact(account)
    assert PEM_BODY[:40] not in masked and "0123456789abcdef0123456789abcdef01234567" not in masked
    assert '"project_id": "demo"' in masked and "x@demo.iam" in masked


def test_a_sas_url_loses_its_signature_only():
    url = ("https://acct.blob.core.windows.net/c/b.txt?sv=2022-11-02&se=2030-01-01&sp=r"
           "&sig=" + "l3D2fKHrT%2Bq9vXcQ8yZ0aB1cD2eF3gH4iJ5kL6mN7o%3D")
    masked = redact(url)
    assert "l3D2fKHrT" not in masked and masked.startswith("https://acct.blob.core.windows.net")
    assert "sv=2022-11-02" in masked


@pytest.mark.parametrize("text", [
    "sha1 0123456789abcdef0123456789abcdef01234567 and md5 d41d8cd98f00d41d8cd98f00d41d8cd98f",
    "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----",
    "the sk_live_ prefix marks Stripe live keys; run_test_suite() passed",
    "eyJ alone, or a.b.c dotted words, are not tokens",
    "a signature=ok and the key=value pair",
])
def test_lookalikes_survive(text):
    assert redact(text) == text
