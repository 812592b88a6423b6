"""Contains shared errors types that can be raised from API functions"""


class UnexpectedStatus(Exception):
    """Raised by api functions when the response status an undocumented status and Client.raise_on_unexpected_status is True"""

    def __init__(self, status_code: int, content: bytes):
        self.status_code = status_code
        self.content = content

        super().__init__(
            f"Unexpected status code: {status_code}\n\nResponse content:\n{content.decode(errors='ignore')}"
        )


class MissingFieldError(KeyError):
    """A document lacks fields its model requires (Atomic customisation of the generator's template).

    A KeyError, as the generated parsing raised before, but naming the model and every missing field.
    """

    def __init__(self, model: str, fields: list[str]):
        self.model = model
        self.fields = fields
        super().__init__(model, fields)

    def __str__(self) -> str:
        return f"{self.model} is missing required field(s): {', '.join(self.fields)}"


__all__ = ["MissingFieldError", "UnexpectedStatus"]
