"""Errors raised by the domain layer."""


class ParseError(ValueError):
    """User input that cannot be read; ``pesan`` is the Indonesian reason shown to the user."""

    def __init__(self, pesan: str) -> None:
        super().__init__(pesan)
        self.pesan = pesan

    def __str__(self) -> str:
        return self.pesan


def kutip(teks: str, batas: int = 40) -> str:
    """User input as quoted in a refusal: trimmed, and shortened so a huge input never makes a huge reply."""
    teks = teks.strip()
    return teks if len(teks) <= batas else teks[: batas - 1] + "…"
