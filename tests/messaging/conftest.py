"""Fixtures of the messaging tests: a real SMTP server on loopback and its self-signed certificate."""
from tests.support.smtp_server import certificate, smtp_server

__all__ = ["certificate", "smtp_server"]
