"""Certificate checks per source: on by default, a CA bundle or `verify = false` per source.

Scrapy verifies nothing unless told to; newsmon tells it to, and lets a source name
extra CA certificates (government *.volgograd.ru hosts may use the Russian national CA
that default trust stores lack) or, loudly, switch checks off for its hosts.
"""

from __future__ import annotations

from typing import Any

from OpenSSL import SSL
from scrapy.core.downloader import contextfactory
from twisted.internet.ssl import optionsForClientTLS
from zope.interface import implementer

try:
    from twisted.internet._sslverify import IOpenSSLTrustRoot
except ImportError:  # pragma: no cover - older Twisted
    IOpenSSLTrustRoot = None  # type: ignore[assignment,misc]

_Base: Any = getattr(contextfactory, "_ScrapyClientContextFactory", None) or \
    contextfactory.ScrapyClientContextFactory


@implementer(IOpenSSLTrustRoot)
class BundleTrust:
    """The platform's trusted CAs plus the certificates in one PEM file."""

    def __init__(self, path: str) -> None:
        self.path = path

    def _addCACertsToContext(self, context: SSL.Context) -> None:  # noqa: N802 - Twisted's name
        context.set_default_verify_paths()
        context.load_verify_locations(self.path)


class SourceTLSPolicy(_Base):
    @classmethod
    def from_crawler(cls, crawler: Any, method: Any = SSL.SSLv23_METHOD, *args: Any,
                     **kwargs: Any) -> SourceTLSPolicy:
        factory = super().from_crawler(crawler, method, *args, **kwargs)
        factory.hosts = crawler.settings.getdict("NEWSMON_TLS")
        return factory

    def creatorForNetloc(self, hostname: bytes, port: int) -> Any:  # noqa: N802
        policy = self.hosts.get(hostname.decode("ascii"), {})
        if policy.get("ca_bundle") and policy.get("verify", True):
            return optionsForClientTLS(hostname=hostname.decode("ascii"),
                                       trustRoot=BundleTrust(policy["ca_bundle"]),
                                       extraCertificateOptions=self._get_cert_options_kwargs())
        saved = self._verify_certificates
        self._verify_certificates = policy.get("verify", True)
        try:
            return super().creatorForNetloc(hostname, port)
        finally:
            self._verify_certificates = saved
