"""Delivery backends for text messages (SMS and messaging apps), chosen by a setting.

E-mail goes through Django's e-mail backend (EMAIL_BACKEND). A real SMS or messaging provider is a
class with ``send(*, to, body) -> str`` named in CAMPAIGNS_MESSAGE_BACKEND; the campaign logic never
knows which one it is.
"""

import json
import threading
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

DEFAULT_BACKEND = "campaigns.backends.ConsoleBackend"


class MessageBackend:
    def send(self, *, channel: str, to: str, body: str) -> str:
        """Deliver one message; return the provider's reference. Raise on failure."""
        raise NotImplementedError


class ConsoleBackend(MessageBackend):
    """Development: print each message to the worker's standard output."""

    def send(self, *, channel, to, body):
        print(f"[{channel}] to {to}: {body}")
        return ""


class FileBackend(MessageBackend):
    """Development: append each message as a JSON line to CAMPAIGNS_MESSAGE_FILE."""

    def send(self, *, channel, to, body):
        path = Path(getattr(settings, "CAMPAIGNS_MESSAGE_FILE", "var/messages.jsonl"))
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"at": timezone.now().isoformat(), "channel": channel, "to": to, "body": body})
        with path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
        return ""


class LocmemBackend(MessageBackend):
    """Tests: keep the messages in ``LocmemBackend.outbox``."""

    outbox: list[dict] = []
    _lock = threading.Lock()

    def send(self, *, channel, to, body):
        with self._lock:
            self.outbox.append({"channel": channel, "to": to, "body": body})
            return f"locmem-{len(self.outbox)}"


def get_backend() -> MessageBackend:
    return import_string(getattr(settings, "CAMPAIGNS_MESSAGE_BACKEND", DEFAULT_BACKEND))()
