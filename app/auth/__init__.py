"""Access control of the web app and API: users, roles, sessions, API tokens, audit log.

See docs/security.md. The interface other modules and tests rely on:
`create_user(runner, username, password, role)` and
`create_api_token(runner, username, name) -> str` (send as `Authorization: Bearer <token>`).
"""

from app.auth.roles import Role
from app.auth.service import AuthError, Principal, create_api_token, create_user

__all__ = ["AuthError", "Principal", "Role", "create_api_token", "create_user"]
