"""Domain errors: raised by services, rendered by pages and the API in one shape.

Each message names the field and the bad value ("email: 'bob@' is not a valid e-mail address"),
so the same text can sit beside a form field and in the API's `errors` list.
"""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses. `status` is the HTTP status the web layer answers with."""

    status = 400
    default_message = "Bad request"

    def __init__(self, *errors: str, message: str | None = None) -> None:
        self.errors = list(errors)
        self.message = message or (errors[0] if len(errors) == 1 else self.default_message)
        super().__init__(self.message)

    def field_errors(self) -> dict[str, list[str]]:
        """{"email": ["'x' is not valid"], "__all__": [...]} for showing beside form fields."""
        fields: dict[str, list[str]] = {}
        for error in self.errors or [self.message]:
            field, sep, text = error.partition(": ")
            key = field if sep and field.isidentifier() else "__all__"
            fields.setdefault(key, []).append(text if key != "__all__" else error)
        return fields


class Invalid(DomainError):
    status = 422
    default_message = "Invalid input"


class Conflict(DomainError):
    status = 409
    default_message = "Conflict"


class Gone(DomainError):
    status = 410
    default_message = "Gone"


class Unauthorized(DomainError):
    status = 401
    default_message = "Authentication required"


class NotFound(DomainError):
    status = 404
    default_message = "Not found"


class Forbidden(DomainError):
    status = 403
    default_message = "Forbidden"


class RateLimited(DomainError):
    status = 429
    default_message = "Too many attempts; try again later"
