"""A raw client for the sandbox tests: plain form posts over httpx, no app code in between."""

from __future__ import annotations

from typing import Any

import httpx

KEY = "sandbox"
SECRET = "sandbox-secret"
CREDS = {"api_key": KEY, "api_secret": SECRET}


class Api:
    """A raw client for one sandbox: Verify calls with credentials, plus the demo controls."""

    def __init__(self, client: httpx.Client) -> None:
        self.http = client

    def call(self, path: str, **params: Any) -> dict[str, Any]:
        response = self.http.post(path, data={**CREDS, **params})
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def start(self, number: str, **params: Any) -> dict[str, Any]:
        return self.call("/verify/json", number=number, brand=params.pop("brand", "Acme"), **params)

    def check(self, request_id: str, code: str) -> dict[str, Any]:
        return self.call("/verify/check/json", request_id=request_id, code=code)

    def control(self, request_id: str, cmd: str) -> dict[str, Any]:
        return self.call("/verify/control/json", request_id=request_id, cmd=cmd)

    def search(self, request_id: str) -> dict[str, Any]:
        return self.call("/verify/search/json", request_id=request_id)

    def advance(self, seconds: float) -> dict[str, Any]:
        response = self.http.post("/sandbox/clock/advance", data={"seconds": str(seconds)})
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def messages(self, number: str | None = None) -> list[dict[str, Any]]:
        params = {"number": number} if number else {}
        response = self.http.get("/sandbox/messages", params=params)
        assert response.status_code == 200
        return response.json()["messages"]  # type: ignore[no-any-return]

    def code(self, number: str) -> str:
        """The code of the newest message sent to ``number``."""
        return str(self.messages(number)[-1]["code"])

    def started(self, number: str, **params: Any) -> str:
        answer = self.start(number, **params)
        assert answer["status"] == "0", answer
        return str(answer["request_id"])
