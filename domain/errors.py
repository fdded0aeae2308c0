"""Errors raised by the domain layer."""


class ParseError(ValueError):
    """User input that cannot be read; ``pesan`` is the Indonesian reason shown to the user."""

    def __init__(self, pesan: str) -> None:
        super().__init__(pesan)
        self.pesan = pesan

    def __str__(self) -> str:
        return self.pesan
