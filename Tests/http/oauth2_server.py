"""An OAuth2 authorization server for the client-credentials and refresh-token
grants (Authlib), with one protected API, for the declarative-connector tests.

Served as loopback.py says: port on the first line, until standard input closes.
Clients: "basic-client" authenticates with HTTP Basic (client_secret_basic),
"post-client" in the form body (client_secret_post); both have the secret
"s3cret". Tokens last EXPIRES_IN seconds (first argument, default 3600).
The refresh token "r0" (scope "read") is valid once: each refresh answers a
new one (rotation) and the one used stops being valid.

  POST /token        the token endpoint
  GET  /api/me       needs a valid bearer token: {"client", "token"}
  POST /revoke-all   every access token issued so far stops being valid
  GET  /stats        {"tokens_issued", "token_requests", "refreshes"}
"""
import logging
import secrets
import sys
import threading
import time

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from flask import Flask, jsonify, request

from loopback import serve

logging.disable(logging.WARNING)
EXPIRES_IN = int(sys.argv[1]) if len(sys.argv) > 1 else 3600


class Client(ClientMixin):
    def __init__(self, client_id, method):
        self.client_id = client_id
        self.method = method

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope):
        return scope or ""

    def check_redirect_uri(self, redirect_uri):
        return False

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, "s3cret")

    def check_endpoint_auth_method(self, method, endpoint):
        return method == self.method

    def check_response_type(self, response_type):
        return False

    def check_grant_type(self, grant_type):
        return grant_type in ("client_credentials", "refresh_token")


CLIENTS = {
    "basic-client": Client("basic-client", "client_secret_basic"),
    "post-client": Client("post-client", "client_secret_post"),
}
lock = threading.Lock()
tokens = {}  # access token -> (client id, expiry)
refresh_tokens = {"r0": "basic-client"}  # refresh token -> client id; each valid once
stats = {"tokens_issued": 0, "token_requests": 0, "refreshes": 0}

app = Flask(__name__)


def save_token(token, request):
    with lock:
        stats["tokens_issued"] += 1
        tokens[token["access_token"]] = (request.client.client_id, time.time() + token["expires_in"])
        if "refresh_token" in token:
            refresh_tokens[token["refresh_token"]] = request.client.client_id


class RefreshToken:
    def __init__(self, token, client_id):
        self.token = token
        self.client_id = client_id

    def get_scope(self):
        return "read"

    def check_client(self, client):
        return client.client_id == self.client_id

    def is_expired(self):
        return False

    def is_revoked(self):
        return False


class Refresh(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        with lock:
            client_id = refresh_tokens.get(refresh_token)
        return RefreshToken(refresh_token, client_id) if client_id else None

    def authenticate_user(self, refresh_token):
        return {"id": refresh_token.client_id}

    def revoke_old_credential(self, refresh_token):
        with lock:
            refresh_tokens.pop(refresh_token.token, None)
            stats["refreshes"] += 1


class ClientCredentials(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


# Read when the server is made: set first.
app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"client_credentials": EXPIRES_IN, "refresh_token": EXPIRES_IN}
app.config["OAUTH2_REFRESH_TOKEN_GENERATOR"] = True
server = AuthorizationServer(app, query_client=CLIENTS.get, save_token=save_token)
server.register_grant(ClientCredentials)
server.register_grant(Refresh)


@app.post("/token")
def issue_token():
    with lock:
        stats["token_requests"] += 1
    return server.create_token_response()


@app.get("/api/me")
def me():
    header = request.headers.get("Authorization", "")
    token = header[len("Bearer "):] if header.startswith("Bearer ") else ""
    with lock:
        found = tokens.get(token)
    if not found or found[1] < time.time():
        return jsonify(error="invalid_token"), 401
    return jsonify(client=found[0], token=token)


@app.post("/revoke-all")
def revoke_all():
    with lock:
        tokens.clear()
    return jsonify(revoked=True)


@app.get("/stats")
def get_stats():
    with lock:
        return jsonify(stats)


if __name__ == "__main__":
    serve(app)
