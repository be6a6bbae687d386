"""One e-mail through SMTP (stdlib smtplib): smtp:// with STARTTLS when the server offers
it (required with `starttls = true`), or smtps:// (TLS from the start).  The password
comes from the environment variable the config names and is never printed; it is not
sent over a connection without TLS except to a loopback server."""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from crawler.config import EmailChannel
from search.notify import ChannelError

_LOOPBACK = ("127.0.0.1", "::1", "localhost")


def build(channel: EmailChannel, subject: str, text: str, html: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = channel.sender
    message["To"] = ", ".join(channel.to)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=channel.sender.rpartition("@")[2])
    message.set_content(text, charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    return message


def send(channel: EmailChannel, message: EmailMessage) -> None:
    """Returns once the server accepted the message for at least one recipient."""
    where = f"e-mail via {channel.host}:{channel.port}"
    password = None
    if channel.password_env:
        password = os.environ.get(channel.password_env)
        if not password:
            raise ChannelError(f"{where}: the environment variable {channel.password_env} "
                               "(the SMTP password) is not set")
    context = ssl.create_default_context()
    try:
        if channel.implicit_tls:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(channel.host, channel.port,
                                                  timeout=channel.timeout, context=context)
        else:
            smtp = smtplib.SMTP(channel.host, channel.port, timeout=channel.timeout)
        with smtp:
            smtp.ehlo()
            secure = channel.implicit_tls
            if not secure and smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
                secure = True
            if channel.starttls and not secure:
                raise ChannelError(f"{where}: the server does not offer STARTTLS "
                                   "(starttls = true requires it)")
            if channel.user:
                if not secure and channel.host not in _LOOPBACK:
                    raise ChannelError(f"{where}: not sending the password without TLS")
                smtp.login(channel.user, password or "")
            refused = smtp.send_message(message)
    except ChannelError:
        raise
    except smtplib.SMTPResponseException as exc:
        reason = exc.smtp_error.decode("utf-8", "replace") if isinstance(
            exc.smtp_error, bytes) else str(exc.smtp_error)
        raise ChannelError(f"{where}: refused ({exc.smtp_code} {' '.join(reason.split())})"
                           ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise ChannelError(f"{where}: every recipient refused "
                           f"({', '.join(exc.recipients)})") from None
    except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
        reason = str(exc) or type(exc).__name__
        if isinstance(exc, TimeoutError):
            reason = f"timed out after {channel.timeout:g} s"
        raise ChannelError(f"{where}: {' '.join(reason.split())}") from None
    if refused:  # accepted for the others: delivered; the refused addresses are said
        raise PartlyRefused(f"{where}: refused for {', '.join(sorted(refused))}")


class PartlyRefused(ChannelError):
    """Accepted for some recipients, refused for others: counted as delivered."""
