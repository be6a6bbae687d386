"""Delivering the watches' matches: e-mail (SMTP) and Telegram (the Bot API).

messages.py renders what people read, email.py and telegram.py send one message each,
deliver.py is the loop: per channel, the matches not yet delivered, sent, then recorded
in the archive's delivery log once the server accepted them.
"""


class ChannelError(RuntimeError):
    """A channel refused or failed (SMTP refusal, timeout, Telegram 429 or 5xx): its matches
    stay pending.  The message names the channel and the reason, never a secret."""
